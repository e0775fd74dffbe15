//! `cargo xtask talk`, the built-in client and one-client server the guides use to try programs by
//! hand: what it sends (exactly `--send`'s bytes, or standard input), what it prints (escaped), when
//! it half-closes and when it stops, and its failures in one line. Loopback only: every peer here
//! is a socket of the test on a port the kernel chose, every wait has a limit, and every process
//! started is waited for (or killed).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The longest any step may take before the test gives up: generous, since only a broken talk
/// (or a machine under heavy load) comes near it; no assertion depends on how fast things go.
const LIMIT: Duration = Duration::from_secs(30);

fn talk(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.arg("talk").args(args).env("NO_COLOR", "1");
    command
}

/// A talk process, killed if the test ends before it does.
struct Talk {
    child: Child,
    stdout: mpsc::Receiver<Vec<u8>>,
}

impl Talk {
    /// Starts `command` with its standard input as given, reading its standard output on a thread.
    fn start(mut command: Command, stdin: Stdio) -> (Talk, ChildStderr) {
        let mut child = command.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut out = child.stdout.take().unwrap();
        let (sender, stdout) = mpsc::channel();
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = out.read_to_end(&mut bytes);
            let _ = sender.send(bytes);
        });
        let stderr = child.stderr.take().unwrap();
        (Talk { child, stdout }, stderr)
    }

    /// Waits for the process to end (within [`LIMIT`]), and returns its status and standard output.
    fn finish(mut self) -> (ExitStatus, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(started.elapsed() < LIMIT, "talk did not end within {LIMIT:?}");
            thread::sleep(Duration::from_millis(20));
        };
        let stdout = self.stdout.recv_timeout(LIMIT).expect("standard output ends with the process");
        (status, String::from_utf8(stdout).unwrap())
    }
}

impl Drop for Talk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs talk to its end; its status, standard output and standard error.
fn run(command: Command, input: &[u8]) -> (ExitStatus, String, String) {
    let (mut talk, stderr) = Talk::start(command, Stdio::piped());
    let mut stdin = talk.child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    drop(stdin);
    let (sender, err) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut text);
        let _ = sender.send(text);
    });
    let (status, stdout) = talk.finish();
    (status, stdout, err.recv_timeout(LIMIT).unwrap())
}

/// A listener of the test's own on a port the kernel chose.
fn loopback_listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    (listener, address)
}

/// The next connection to `listener`, within [`LIMIT`].
fn accept(listener: &TcpListener) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let started = Instant::now();
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                stream.set_read_timeout(Some(LIMIT)).unwrap();
                return stream;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && started.elapsed() < LIMIT => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("no connection from talk: {e}"),
        }
    }
}

/// Reads until `stream` has delivered `len` bytes.
fn read_exactly(stream: &mut TcpStream, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    stream.read_exact(&mut bytes).unwrap();
    bytes
}

/// Runs `serve` on the next connection to `listener`, on a thread; its result comes on the channel.
fn serve<T: Send + 'static>(
    listener: TcpListener,
    serve: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> mpsc::Receiver<T> {
    let (sender, result) = mpsc::channel();
    thread::spawn(move || {
        let stream = accept(&listener);
        let _ = sender.send(serve(stream));
    });
    result
}

/// Reads talk's standard error until the line saying where it listens; that address.
fn listening_address(stderr: ChildStderr) -> (SocketAddr, mpsc::Receiver<String>) {
    let (sender, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let line = lines.recv_timeout(LIMIT).expect("talk says where it listens");
    let address = line
        .strip_prefix("talk: listening on ")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("first line: {line}"));
    (address.parse().unwrap(), lines)
}

#[test]
fn send_is_exactly_its_text_then_shutdown_half_closes_and_the_reply_is_printed_escaped() {
    let (listener, address) = loopback_listener();
    let server = serve(listener, |mut stream| {
        let mut request = Vec::new();
        // Reading to the end proves the half-close: without it this read would wait.
        stream.read_to_end(&mut request).unwrap();
        stream.write_all(b"Hello, client!\n\x01\xc3\xa9 tail\r\n\\").unwrap();
        request
    });
    let (status, out, err) = run(talk(&[&address, "--send", "Hello, server!", "--shutdown"]), b"");
    assert!(status.success(), "{status:?} {err}");
    assert_eq!(server.recv_timeout(LIMIT).unwrap(), b"Hello, server!", "no newline added");
    assert_eq!(out, "Hello, client!\\n\n\\x01é tail\\r\\n\n\\\\\n", "{err}");
    assert!(err.contains(&format!("talk: connected to {address} from 127.0.0.1:")), "{err}");
    assert!(err.contains("half-closed (shutdown(Write))"), "{err}");
    assert!(err.contains("the server closed the connection (end of file)"), "{err}");
}

#[test]
fn what_is_typed_is_sent_and_without_shutdown_the_connection_stays_open_for_the_reply() {
    let (listener, address) = loopback_listener();
    let server = serve(listener, |mut stream| {
        let request = read_exactly(&mut stream, 10);
        // talk's input has ended, but it did not half-close: no end of file comes.
        stream.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        let after = stream.read(&mut [0; 16]).map_err(|e| e.kind());
        stream.write_all(b"OK margherita\nOK bye\n").unwrap();
        (request, after)
    });
    let (status, out, err) = run(talk(&[&address, "--send", "MENU\\nQUIT\\n"]), b"ignored\n");
    assert!(status.success(), "{status:?} {err}");
    let (request, after) = server.recv_timeout(LIMIT).unwrap();
    assert_eq!(request, b"MENU\nQUIT\n", "escapes understood, standard input ignored");
    assert!(matches!(after, Err(std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)), "{after:?}");
    assert_eq!(out, "OK margherita\\n\nOK bye\\n\n");

    // Standard input, as typed (or piped): sent as it comes.
    let (listener, address) = loopback_listener();
    let server = serve(listener, |mut stream| {
        let mut request = Vec::new();
        stream.read_to_end(&mut request).unwrap();
        stream.write_all(b"Hello, client!").unwrap();
        request
    });
    let (status, out, err) = run(talk(&[&address, "--shutdown"]), b"ORDER margherita 2\nno newline");
    assert!(status.success(), "{status:?} {err}");
    assert_eq!(server.recv_timeout(LIMIT).unwrap(), b"ORDER margherita 2\nno newline");
    assert_eq!(out, "Hello, client!\n", "a reply without newline is shown without \\n, its line ended");
}

#[test]
fn listen_prints_what_the_client_sends_replies_at_once_and_closes_after_its_end_of_file() {
    let command = talk(&["--listen", "127.0.0.1:0", "--send", "ready at 12:30\\n"]);
    let (talk, stderr) = Talk::start(command, Stdio::null());
    let (address, notes) = listening_address(stderr);
    let mut client = TcpStream::connect(address).unwrap();
    client.set_read_timeout(Some(LIMIT)).unwrap();
    client.write_all(b"ORDER margherita 2\n").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut reply = Vec::new();
    client.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"ready at 12:30\n");
    let (status, out) = talk.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(out, "ORDER margherita 2\\n\n");
    let notes: Vec<String> = notes.try_iter().collect();
    assert!(notes.iter().any(|l| l.starts_with("talk: 127.0.0.1:") && l.ends_with(" connected")), "{notes:#?}");
    assert!(notes.iter().any(|l| l.contains("the client ended its side (end of file)")), "{notes:#?}");
}

#[test]
fn listen_keeps_the_connection_after_the_clients_end_of_file_until_its_own_input_ends() {
    // Exercise 05 by hand: the server reads the request to end of file, then answers.
    let (mut talk, stderr) = Talk::start(talk(&["--listen", "127.0.0.1:0"]), Stdio::piped());
    let (address, notes) = listening_address(stderr);
    let mut client = TcpStream::connect(address).unwrap();
    client.set_read_timeout(Some(LIMIT)).unwrap();
    client.write_all(b"ORDER funghi 1\n").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let started = Instant::now();
    while !notes.try_iter().any(|l| l.contains("the client ended its side")) {
        assert!(started.elapsed() < LIMIT, "talk did not see the client's end of file");
        thread::sleep(Duration::from_millis(10));
    }
    let mut input = talk.child.stdin.take().unwrap();
    input.write_all(b"ready at 12:45\n").unwrap();
    drop(input);
    let mut reply = Vec::new();
    client.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"ready at 12:45\n", "the reply typed after the request's end, then the close");
    let (status, out) = talk.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(out, "ORDER funghi 1\\n\n");
}

#[test]
fn wait_stops_a_conversation_the_other_side_never_ends() {
    let (listener, address) = loopback_listener();
    let (release, released) = mpsc::channel::<()>();
    let server = serve(listener, move |mut stream| {
        stream.write_all(b"hi").unwrap();
        // Keeps the connection open until talk has stopped by itself.
        let _ = released.recv_timeout(LIMIT);
    });
    let (status, out, err) = run(talk(&[&address, "--wait", "200"]), b"");
    let _ = release.send(());
    server.recv_timeout(LIMIT).unwrap();
    assert!(status.success(), "{status:?} {err}");
    assert_eq!(out, "hi\n");
    assert!(err.contains("talk: nothing from the server for 200 ms: stopping (--wait)"), "{err}");

    // --wait 0 sends, then hangs up at once: the server reads the text and the end of the stream.
    let (listener, address) = loopback_listener();
    let server = serve(listener, |mut stream| {
        let mut request = Vec::new();
        stream.read_to_end(&mut request).unwrap();
        request
    });
    let (status, _, err) = run(talk(&[&address, "--send", "Hello, server!", "--wait", "0"]), b"");
    assert!(status.success(), "{status:?} {err}");
    assert_eq!(server.recv_timeout(LIMIT).unwrap(), b"Hello, server!");

    // Listening, --wait also bounds the wait for a client.
    let (status, out, err) = run(talk(&["--listen", "127.0.0.1:0", "--wait", "100"]), b"");
    assert_eq!(status.code(), Some(2), "{out}{err}");
    let last = err.lines().last().unwrap();
    assert!(last.starts_with("error: no client connected to 127.0.0.1:") && last.ends_with("within 100 ms (--wait)"));
}

#[test]
fn failures_to_connect_or_listen_are_one_line_and_exit_code_2() {
    // A port nothing listens on: the kernel's choice, released.
    let (listener, address) = loopback_listener();
    drop(listener);
    let (status, out, err) = run(talk(&[&address]), b"");
    assert_eq!(status.code(), Some(2), "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("error: cannot connect to {address}: ")), "{err}");
    assert!(err.contains("nothing listens on that port"), "{err}");
    assert!(out.is_empty(), "{out}");

    // A port this test holds.
    let (_held, address) = loopback_listener();
    let (status, _, err) = run(talk(&["--listen", &address]), b"");
    assert_eq!(status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("error: cannot listen on {address}: ")), "{err}");
    assert!(err.contains("another program holds that port"), "{err}");
}

#[test]
fn mistakes_in_the_arguments_are_named_in_one_line_with_exit_code_2() {
    let cases: [(&[&str], &str); 7] = [
        (&[], "talk needs an address"),
        (&["127.0.0.1:1", "--listen", "127.0.0.1:2"], "not both"),
        (&["127.0.0.1"], "is not an address with a port"),
        (&["127.0.0.1:1", "--send", "a\\qb"], "\\q is not an escape"),
        (&["127.0.0.1:1", "--send", "a", "--send", "b"], "--send was given twice"),
        (&["127.0.0.1:1", "--wait", "soon"], "--wait takes a whole number of milliseconds"),
        (&["127.0.0.1:1", "127.0.0.1:2"], "talk takes one address"),
    ];
    for (args, says) in cases {
        let (status, out, err) = run(talk(args), b"");
        assert_eq!(status.code(), Some(2), "{args:?}: {out}{err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: ") && first.contains(says), "{args:?}: {err}");
        assert_eq!(err.lines().nth(1), Some("Run `cargo xtask --help` for usage."), "{args:?}: {err}");
    }
}

#[test]
fn help_describes_talk() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask")).arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for text in ["talk ADDR", "talk --listen ADDR", "--send TEXT", "--shutdown", "--wait MS"] {
        assert!(help.contains(text), "{text} missing from --help: {help}");
    }
}
