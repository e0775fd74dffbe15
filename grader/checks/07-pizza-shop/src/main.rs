//! Hidden checks of exercise 07-pizza-shop: the line protocol, from both ends. The student's shop
//! is driven by the grader's clients (round trips, malformed lines, lines split or packed into
//! segments, many clients at once, clients that vanish); the student's client talks to a scripted
//! shop of the grader's (replies in pieces, refusals, nonsense, hang-ups); and the program does
//! both.

use std::fmt::Debug;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::ExitCode;
use std::sync::LazyLock;
use std::thread;
use std::time::Duration;

use grader::check::Setup;
use grader::ctx::{Background, short_debug};
use grader::grader_host::wire::IoResult;
use grader::net::{ClosedPort, Conn, End, Reply};
use grader::program::{GraderSide, Ran};
use grader::transcript::quote;
use grader::{Check, Ctx, Fail, Outcome, Step};
use serde::de::DeserializeOwned;
use wire::{Call, ClientRef, MAX_QUANTITY, MENU, Order, ShopErr, ShopRef};

/// The private checks: they run at final grading, and the student copy has only their number.
mod private;
/// The calls the student host performs for these checks.
mod wire;

const CHECKS: &[Check] = &[
    Check::new(
        "reply-rules",
        "Shop::reply answers each kind of request line as the protocol says",
        Step::Protocol,
        reply_rules,
    ),
    Check::new(
        "server-round-trip",
        "over TCP, a client reads the menu, orders, asks for the status and quits; then the shop hangs up",
        Step::Protocol,
        server_round_trip,
    )
    .timeout_ms(5000),
    Check::new(
        "server-errors-keep-connection",
        "malformed or unknown requests get an ERR line and the connection stays usable",
        Step::Protocol,
        server_errors_keep_connection,
    )
    .timeout_ms(5000),
    Check::new(
        "server-split-lines",
        "a request split across several TCP segments is put back together before it is answered",
        Step::ReadWrite,
        server_split_lines,
    )
    .timeout_ms(5000),
    Check::new(
        "server-packed-lines",
        "three requests arriving in one segment get three replies, in order",
        Step::ReadWrite,
        server_packed_lines,
    )
    .timeout_ms(5000),
    Check::new(
        "server-many-clients",
        "eight clients at once are all served, each order with its own number from one order book",
        Step::Concurrency,
        server_many_clients,
    )
    .timeout_ms(6000),
    Check::new(
        "client-order",
        "Client::order sends one ORDER line and returns the number of the reply, even when it comes in pieces",
        Step::Protocol,
        client_order,
    )
    .timeout_ms(5000),
    Check::new(
        "client-menu-status-quit",
        "menu, status and quit read their answers from the shop's replies",
        Step::Protocol,
        client_menu_status_quit,
    )
    .timeout_ms(5000),
    Check::new(
        "client-refused-and-nonsense",
        "an ERR reply is ShopError::Refused with its reason, nonsense is BadReply, and the client stays usable",
        Step::Protocol,
        client_refused_and_nonsense,
    )
    .timeout_ms(5000),
    Check::new(
        "client-shop-hangs-up",
        "a shop that hangs up before the end of its reply is an UnexpectedEof error (the ShopError's source), not a panic",
        Step::Close,
        client_shop_hangs_up,
    )
    .timeout_ms(5000),
    Check::new(
        "program-serve",
        "`pizza-shop serve ADDR` takes orders from several clients at once on ADDR",
        Step::Concurrency,
        program_serve,
    )
    .timeout_ms(8000),
    Check::new(
        "program-call",
        "`pizza-shop call ADDR` sends each line it reads, prints each reply, and says QUIT at the end",
        Step::Protocol,
        program_call,
    )
    .timeout_ms(8000)
    .on_timeout("does your program wait for something after the end of its input?"),
    Check::new(
        "program-errors",
        "the program reports a bad command line, a busy port and a closed shop in one line with a non-zero exit code",
        Step::Connect,
        program_errors,
    )
    .timeout_ms(8000),
];

fn main() -> ExitCode {
    grader::runner::main_with_private(CHECKS, private::CHECKS, private::WITHHELD)
}

/// How long the grader waits for a reply (generous: a busy machine).
const LIMIT: Duration = Duration::from_secs(1);
/// How long a call of the student's client may take.
const CALL_LIMIT: Duration = Duration::from_secs(2);
/// How long a run of the program may take.
const PROGRAM_LIMIT: Duration = Duration::from_secs(3);
/// The reply to MENU: the protocol's pizzas (the judge's copy of them, not the student's).
static MENU_REPLY: LazyLock<String> = LazyLock::new(|| format!("OK {}\n", MENU.join(" ")));
/// What a client that reads a reply in one read most likely does wrong.
const PIECES: &str = "read the whole reply line (BufReader::read_line collects the pieces until the \\n), then parse the number after OK";
/// What a client that takes a reply cut short for a whole one most likely does wrong.
const HUNG_UP: &str = "if read_line returns 0 bytes, or a line without \\n, the shop hung up: return io::Error::new(io::ErrorKind::UnexpectedEof, ...) (as ShopError::Io)";
/// What a shop that answers one client at a time most likely does wrong.
const ONE_AT_A_TIME: &str =
    "your shop seems busy with another client: serve each accepted connection on its own thread";

/// What the grader expects as the reply to a request.
#[derive(Clone, Copy)]
enum Expect {
    /// Exactly this line, with its `\n`.
    Line(&'static str),
    /// One line `ERR <reason>`, with a reason.
    Refusal,
}

impl Expect {
    fn describe(self) -> String {
        match self {
            Expect::Line(line) => quote(line.as_bytes(), 80),
            Expect::Refusal => "one line \"ERR <reason>\\n\"".to_owned(),
        }
    }

    fn accepts(self, reply: &[u8]) -> bool {
        match self {
            Expect::Line(line) => reply == line.as_bytes(),
            Expect::Refusal => is_refusal(reply),
        }
    }
}

/// `ERR`, a space, a reason that is not blank, and one `\n` at the end.
fn is_refusal(reply: &[u8]) -> bool {
    reply
        .strip_prefix(b"ERR ")
        .and_then(|rest| rest.strip_suffix(b"\n"))
        .is_some_and(|reason| !reason.contains(&b'\n') && reason.iter().any(|b| !b.is_ascii_whitespace()))
}

/// Starts the student's shop (`serve`) on a listener of the grader's.
fn start_shop(ctx: &Ctx) -> Result<(Background<IoResult<()>>, SocketAddr), Fail> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).setup("binding a listener")?;
    let addr = listener.local_addr().setup("reading the listener's address")?;
    ctx.grader(format!("binds a listener on {addr} for your shop"));
    let serving = ctx.spawn_passing("serve(&listener, Arc::new(Shop::default()))", Call::Serve, &[&listener]);
    // The host has its own copy of the listener now. Without the grader's, a shop whose `serve`
    // ends (a panic, say) closes it, and clients are refused as when `serve` ran in the judge.
    drop(listener);
    Ok((serving, addr))
}

/// Reads one reply line and checks it; `did` says what the grader did before.
fn check_reply(conn: &mut Conn, did: &str, expected: Expect, hint: &str) -> Outcome {
    let reply: Reply = conn.read_line_within(LIMIT);
    if reply.end == End::Complete && expected.accepts(&reply.bytes) {
        return Ok(());
    }
    let hint = if reply.end == End::TimedOut && reply.bytes.is_empty() {
        "no reply came: does your shop read line by line (BufReader::read_line or read_until) and write_all each reply with its \\n?"
    } else if reply.end == End::TimedOut {
        "the reply line never ended: every reply ends in \\n"
    } else {
        hint
    };
    Err(Fail::new(did).expected(format!("the reply {}", expected.describe())).got(reply.describe()).hint(hint))
}

/// Sends `request` with its `\n` and checks the reply.
fn ask(conn: &mut Conn, request: &str, expected: Expect, hint: &str) -> Outcome {
    conn.send(format!("{request}\n").as_bytes())?;
    check_reply(conn, &format!("sent {}", quote(format!("{request}\n").as_bytes(), 80)), expected, hint)
}

/// Reads the student's `MENU` and `MAX_QUANTITY`. The checks hold the shop to the protocol's
/// values (the judge's copies); a crate that changed them is told so here, rather than by replies
/// that differ for a reason the student cannot see.
fn same_constants(ctx: &Ctx) -> Outcome {
    let (menu, max_quantity): (Vec<String>, u32) = ctx.call("(MENU, MAX_QUANTITY)", Call::Contract)?;
    if menu == MENU && max_quantity == MAX_QUANTITY {
        return Ok(());
    }
    Err(Fail::new("read MENU and MAX_QUANTITY of your crate")
        .expected(format!("the protocol's: {MENU:?} and {MAX_QUANTITY}"))
        .got(format!("{menu:?} and {max_quantity}"))
        .hint("the protocol fixes the menu and the largest quantity: keep MENU and MAX_QUANTITY as the exercise gives them"))
}

fn reply_rules(ctx: &mut Ctx) -> Outcome {
    use Expect::{Line, Refusal};
    same_constants(ctx)?;
    let shop: ShopRef = ctx.call("Shop::default()", Call::NewShop)?;
    ctx.grader("asks this shop directly, one line at a time");
    let cases: &[(&str, Expect, &str)] = &[
        ("MENU", Line(&MENU_REPLY), "OK, then the pizzas of MENU joined with single spaces, then \\n"),
        ("ORDER funghi 2", Line("OK 1\n"), "the first order of a shop is number 1"),
        ("", Refusal, "an empty line is refused"),
        ("   ", Refusal, "a line of spaces is empty, and refused"),
        ("HELLO", Refusal, "an unknown command is refused"),
        ("menu", Refusal, "commands are uppercase: menu is unknown"),
        ("MENU please", Refusal, "MENU takes no words after it: refuse the line"),
        ("ORDER hawaii 1", Refusal, "a pizza that is not on the MENU is refused"),
        ("ORDER funghi 0", Refusal, "a quantity starts at 1"),
        ("ORDER funghi 100", Refusal, "a quantity ends at 99"),
        ("ORDER funghi two", Refusal, "a quantity is a number: parse it, and refuse it when parsing fails"),
        ("ORDER funghi -1", Refusal, "a quantity is a whole number from 1 to 99"),
        ("ORDER funghi", Refusal, "ORDER needs two words after it: refuse the line instead of indexing past the end"),
        ("ORDER funghi 1 extra", Refusal, "ORDER takes exactly two words after it"),
        ("ORDER", Refusal, "ORDER needs two words after it"),
        ("STATUS 2", Refusal, "there is no order 2 yet"),
        ("STATUS 0", Refusal, "order numbers start at 1: there is no order 0 (careful with id - 1)"),
        ("STATUS x", Refusal, "an id is a number: refuse the line when it does not parse"),
        ("STATUS", Refusal, "STATUS needs an id"),
        ("STATUS 1 2", Refusal, "STATUS takes exactly one id"),
        ("QUIT now", Refusal, "QUIT takes no words after it"),
        ("Quit", Refusal, "commands are uppercase"),
        (
            " ORDER\tdiavola   1 \r",
            Line("OK 2\n"),
            "split the line with split_whitespace: extra spaces, tabs and a \\r do not matter; and a refused order uses no number, so this is order 2",
        ),
        ("STATUS 1", Line("OK 1 funghi 2\n"), "OK, the id, the pizza, the quantity, separated by single spaces"),
        ("STATUS 2", Line("OK 2 diavola 1\n"), "OK, the id, the pizza, the quantity, separated by single spaces"),
        ("QUIT", Line("OK bye\n"), "QUIT is answered with OK bye"),
    ];
    for &(line, expected, hint) in cases {
        let reply: String = ctx.call(&format!("shop.reply({line:?})"), Call::Reply(shop, line.to_owned()))?;
        if !expected.accepts(reply.as_bytes()) {
            // Right but for its newline: say so, whatever the case's own hint is about.
            let hint = if !reply.ends_with('\n') && expected.accepts(format!("{reply}\n").as_bytes()) {
                "every reply is one line that ends in a newline (\\n): a client reads up to it, and waits for it"
            } else {
                hint
            };
            return Err(Fail::new(format!("called shop.reply({line:?}) after the calls above"))
                .expected(expected.describe())
                .got(format!("{reply:?}"))
                .hint(hint));
        }
    }
    Ok(())
}

fn server_round_trip(ctx: &mut Ctx) -> Outcome {
    let (serving, addr) = start_shop(ctx)?;
    let mut conn = serving.while_running(|| ctx.connect(addr))?;
    serving.while_running(|| {
        ask(
            &mut conn,
            "MENU",
            Expect::Line(&MENU_REPLY),
            "OK and the menu, one line",
        )?;
        ask(
            &mut conn,
            "ORDER funghi 3",
            Expect::Line("OK 1\n"),
            "the first order of a shop is number 1",
        )?;
        ask(
            &mut conn,
            "STATUS 1",
            Expect::Line("OK 1 funghi 3\n"),
            "OK, the id, the pizza, the quantity",
        )?;
        ask(
            &mut conn,
            "QUIT",
            Expect::Line("OK bye\n"),
            "QUIT is answered with OK bye",
        )?;
        conn.expect_eof_within("got OK bye and read on", LIMIT)
            .map_err(|fail| {
                fail.hint("after answering QUIT, serve_client returns: the stream (and its clone) are dropped and the connection closes")
            })
    })
}

fn server_errors_keep_connection(ctx: &mut Ctx) -> Outcome {
    let (serving, addr) = start_shop(ctx)?;
    let mut conn = serving.while_running(|| ctx.connect(addr))?;
    let keep = "answer ERR and a reason in one line, then keep reading: a refusal does not end the conversation";
    serving.while_running(|| {
        for request in ["PIZZA please", "ORDER hawaii 1", "", "ORDER margherita zero", "STATUS 7"] {
            ask(&mut conn, request, Expect::Refusal, keep)?;
        }
        ask(&mut conn, "MENU", Expect::Line(&MENU_REPLY), "after five refusals the connection must still work")?;
        ask(
            &mut conn,
            "ORDER marinara 2",
            Expect::Line("OK 1\n"),
            "refused orders use no number: this is the first order",
        )
    })
}

fn server_split_lines(ctx: &mut Ctx) -> Outcome {
    let (serving, addr) = start_shop(ctx)?;
    let mut conn = serving.while_running(|| ctx.connect(addr))?;
    let pieces =
        "one read may return part of a line: collect bytes until the \\n (BufReader::read_line does) before answering";
    serving.while_running(|| {
        // A server that takes the first piece for the whole line closes or answers early: the
        // sending itself can fail, and the failure must say why.
        conn.send_in_pieces(b"ORDER margherita 2\n", 5, Duration::from_millis(20)).map_err(|fail| fail.hint(pieces))?;
        check_reply(
            &mut conn,
            "sent \"ORDER margherita 2\\n\" in pieces of 5 bytes, 20ms apart",
            Expect::Line("OK 1\n"),
            pieces,
        )?;
        conn.send_in_pieces(b"STATUS 1\n", 3, Duration::from_millis(20)).map_err(|fail| fail.hint(pieces))?;
        check_reply(
            &mut conn,
            "sent \"STATUS 1\\n\" in pieces of 3 bytes, 20ms apart",
            Expect::Line("OK 1 margherita 2\n"),
            "one read may return part of a line: collect bytes until the \\n before answering",
        )
    })
}

fn server_packed_lines(ctx: &mut Ctx) -> Outcome {
    let (serving, addr) = start_shop(ctx)?;
    let mut conn = serving.while_running(|| ctx.connect(addr))?;
    let packed = "one read may return several lines: answer each of them, in order (keep one BufReader for the whole connection: it keeps what it read past the first \\n)";
    serving.while_running(|| {
        conn.send(b"MENU\nORDER diavola 1\nSTATUS 1\n")?;
        let did = "sent \"MENU\\nORDER diavola 1\\nSTATUS 1\\n\" in one piece";
        check_reply(&mut conn, did, Expect::Line(&MENU_REPLY), packed)?;
        check_reply(&mut conn, did, Expect::Line("OK 1\n"), packed)?;
        check_reply(&mut conn, did, Expect::Line("OK 1 diavola 1\n"), packed)
    })
}

fn server_many_clients(ctx: &mut Ctx) -> Outcome {
    let (serving, addr) = start_shop(ctx)?;
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients.push(serving.while_running(|| ctx.connect(addr))?);
    }
    ctx.grader("has connected 8 clients; now each orders, the last one first");
    thread::sleep(Duration::from_millis(50));
    let mut ids = Vec::new();
    for (i, conn) in clients.iter_mut().enumerate().rev() {
        let did = format!(
            "connected 8 clients, then sent \"ORDER margherita 1\\n\" from client {} (the clients before it still silent)",
            i + 1
        );
        let reply = serving.while_running(|| {
            conn.send(b"ORDER margherita 1\n")?;
            let reply = conn.read_line_within(LIMIT);
            let id = std::str::from_utf8(&reply.bytes)
                .ok()
                .and_then(|r| r.strip_prefix("OK "))
                .and_then(|r| r.strip_suffix('\n'))
                .and_then(|r| r.parse::<u64>().ok());
            match id {
                Some(id) if reply.end == End::Complete => Ok(id),
                _ => {
                    let hint =
                        if reply.bytes.is_empty() { ONE_AT_A_TIME } else { "an order is answered OK and its number" };
                    Err(Fail::new(did.clone())
                        .expected("the reply \"OK <id>\\n\" within 1s")
                        .got(reply.describe())
                        .hint(hint))
                }
            }
        })?;
        if ids.contains(&reply) {
            return Err(Fail::new(did)
                .expected(format!("an order number no other client got (so far: {ids:?})"))
                .got(format!("OK {reply}, a number given out already"))
                .hint("all clients share one shop: create it once and give each thread an Arc::clone of it, not a Shop of its own"));
        }
        ids.push(reply);
    }
    ids.sort_unstable();
    if ids != (1..=8).collect::<Vec<u64>>() {
        return Err(Fail::new("took 8 orders from 8 clients")
            .expected("the order numbers 1 to 8")
            .got(format!("{ids:?}"))
            .hint("number orders 1, 2, 3… in one order book for the whole shop"));
    }
    Ok(())
}

/// The student's client, connected to a scripted shop of the grader's: the grader accepts, and
/// keeps its end of the connection to play the shop. The client stays in the host for the calls
/// that follow.
fn client_of_grader_shop(ctx: &Ctx) -> Result<(ClientRef, Conn), Fail> {
    let shop = ctx.listen()?;
    let addr = shop.addr();
    let connecting: Background<IoResult<ClientRef>> =
        ctx.spawn(&format!("Client::connect({addr})"), Call::Connect(addr));
    let conn = connecting.while_running(|| shop.accept_within(LIMIT))?;
    let client = connecting.join_within(CALL_LIMIT)?.map_err(|error| {
        Fail::new("started your client")
            .expected("Client::connect to succeed: the grader's shop was listening")
            .got(format!("Err({error:?})"))
    })?;
    Ok((client, conn))
}

/// Starts `client.menu()`.
fn menu(ctx: &Ctx, client: ClientRef) -> Background<Result<Vec<String>, ShopErr>> {
    ctx.spawn("client.menu()", Call::Menu(client))
}

/// Starts `client.order(pizza, quantity)`.
fn order(ctx: &Ctx, client: ClientRef, pizza: &str, quantity: u32) -> Background<Result<u64, ShopErr>> {
    ctx.spawn(&format!("client.order({pizza:?}, {quantity})"), Call::Order(client, pizza.to_owned(), quantity))
}

/// Starts `client.status(id)`.
fn status(ctx: &Ctx, client: ClientRef, id: u64) -> Background<Result<Order, ShopErr>> {
    ctx.spawn(&format!("client.status({id})"), Call::Status(client, id))
}

/// Starts `client.quit()`.
fn quit(ctx: &Ctx, client: ClientRef) -> Background<Result<(), ShopErr>> {
    ctx.spawn("client.quit()", Call::Quit(client))
}

/// What the student's `ShopError` made from `error` says: its `to_string()` and its `source()`'s.
fn describe(ctx: &Ctx, error: ShopErr) -> Result<(String, Option<String>), Fail> {
    let label = format!("{error:?}");
    ctx.call(&format!("to_string() and source() of {label}"), Call::Describe(error))
}

/// What a call of the student's client returned, once the grader has played the shop's part of
/// the conversation (`shop_side`) while it ran.
fn answered<R: DeserializeOwned + Debug>(
    running: Background<R>,
    shop_side: impl FnOnce() -> Outcome,
) -> Result<R, Fail> {
    running.while_running(shop_side)?;
    running.join_within(CALL_LIMIT)
}

/// Reads the client's request and checks it is `request` (with its `\n`).
fn expect_request(conn: &mut Conn, call: &str, request: &str) -> Outcome {
    conn.expect_line(&format!("waited for the request of {call}"), request, LIMIT)
        .map_err(|fail| fail.hint("send the request words separated by single spaces, then \\n, with write_all"))
}

fn client_order(ctx: &mut Ctx) -> Outcome {
    let (client, mut conn) = client_of_grader_shop(ctx)?;
    let got = answered(order(ctx, client, "diavola", 2), || {
        expect_request(&mut conn, "order(\"diavola\", 2)", "ORDER diavola 2\n")?;
        conn.send_in_pieces(b"OK 17\n", 2, Duration::from_millis(20)).map_err(|fail| fail.hint(PIECES))
    })?;
    match got {
        Ok(17) => Ok(()),
        other => Err(Fail::new("replied \"OK 17\\n\" in pieces of 2 bytes, 20ms apart")
            .expected("Ok(17)")
            .got(short_debug(&other))
            .hint(PIECES)),
    }
}

fn client_menu_status_quit(ctx: &mut Ctx) -> Outcome {
    let (client, mut conn) = client_of_grader_shop(ctx)?;
    let got = answered(menu(ctx, client), || {
        expect_request(&mut conn, "menu()", "MENU\n")?;
        conn.send(b"OK calzone margherita\n")
    })?;
    match got {
        Ok(names) if names == ["calzone", "margherita"] => {}
        other => {
            return Err(Fail::new("replied \"OK calzone margherita\\n\" to MENU")
                .expected("Ok([\"calzone\", \"margherita\"])")
                .got(short_debug(&other))
                .hint("return the names of the reply, not the MENU constant: this shop has another menu"));
        }
    }
    let got = answered(status(ctx, client, 5), || {
        expect_request(&mut conn, "status(5)", "STATUS 5\n")?;
        conn.send(b"OK 5 calzone 3\n")
    })?;
    let order = Order { id: 5, pizza: "calzone".to_owned(), quantity: 3 };
    match got {
        Ok(got) if got == order => {}
        other => {
            return Err(Fail::new("replied \"OK 5 calzone 3\\n\" to STATUS 5")
                .expected(format!("Ok({order:?})"))
                .got(short_debug(&other))
                .hint("the three words after OK are the id, the pizza and the quantity"));
        }
    }

    let (client, mut conn) = client_of_grader_shop(ctx)?;
    let got = answered(quit(ctx, client), || {
        expect_request(&mut conn, "quit()", "QUIT\n")?;
        conn.send(b"OK bye\n")
    })?;
    match got {
        Ok(()) => Ok(()),
        other => Err(Fail::new("replied \"OK bye\\n\" to QUIT")
            .expected("Ok(())")
            .got(short_debug(&other))
            .hint("quit sends QUIT and expects the reply OK bye")),
    }
}

fn client_refused_and_nonsense(ctx: &mut Ctx) -> Outcome {
    let (client, mut conn) = client_of_grader_shop(ctx)?;
    let refused = answered(order(ctx, client, "hawaii", 1), || {
        expect_request(&mut conn, "order(\"hawaii\", 1)", "ORDER hawaii 1\n")?;
        conn.send(b"ERR unknown pizza hawaii\n")
    })?;
    match refused {
        Err(ShopErr::Refused(reason)) if reason == "unknown pizza hawaii" => {}
        other => {
            return Err(Fail::new("replied \"ERR unknown pizza hawaii\\n\" to ORDER hawaii 1")
                .expected("Err(ShopError::Refused(\"unknown pizza hawaii\")), the reason without ERR")
                .got(short_debug(&other))
                .hint("a reply starting with ERR is a refusal: keep the text after \"ERR \""));
        }
    }
    // The refusal reaches a person through its message: it must say why.
    let (message, _) = describe(ctx, ShopErr::Refused("unknown pizza hawaii".to_owned()))?;
    if !message.contains("unknown pizza hawaii") {
        return Err(Fail::new("called to_string() on ShopError::Refused(\"unknown pizza hawaii\")")
            .expected("a message that gives the shop's reason, \"unknown pizza hawaii\"")
            .got(format!("{message:?}"))
            .hint("keep the stub's `impl fmt::Display for ShopError`: one line per variant, with what it holds"));
    }
    let ordered = answered(order(ctx, client, "funghi", 1), || {
        expect_request(&mut conn, "order(\"funghi\", 1)", "ORDER funghi 1\n")?;
        conn.send(b"OK 4\n")
    })?;
    match ordered {
        Ok(4) => {}
        other => {
            return Err(Fail::new("refused an order, then replied \"OK 4\\n\" to the next one on the same connection")
                .expected("Ok(4)")
                .got(short_debug(&other))
                .hint("a refusal does not end the conversation: the next request works as usual"));
        }
    }
    let nonsense = answered(status(ctx, client, 4), || {
        expect_request(&mut conn, "status(4)", "STATUS 4\n")?;
        conn.send(b"PIZZA IS READY\n")
    })?;
    match nonsense {
        Err(ShopErr::BadReply(line)) if line.contains("PIZZA IS READY") => {}
        other => {
            return Err(Fail::new("replied \"PIZZA IS READY\\n\" to STATUS 4")
                .expected("Err(ShopError::BadReply(\"PIZZA IS READY\")): neither OK nor ERR")
                .got(short_debug(&other))
                .hint("a reply whose first word is neither OK nor ERR is a BadReply with the whole line"));
        }
    }
    let no_number = answered(order(ctx, client, "funghi", 2), || {
        expect_request(&mut conn, "order(\"funghi\", 2)", "ORDER funghi 2\n")?;
        conn.send(b"OK soon\n")
    })?;
    match no_number {
        Err(ShopErr::BadReply(_)) => Ok(()),
        other => Err(Fail::new("replied \"OK soon\\n\" to ORDER funghi 2")
            .expected("Err(ShopError::BadReply(\"OK soon\")): an OK without a number")
            .got(short_debug(&other))
            .hint("when the id does not parse, return BadReply instead of unwrapping")),
    }
}

fn client_shop_hangs_up(ctx: &mut Ctx) -> Outcome {
    let (client, mut conn) = client_of_grader_shop(ctx)?;
    let ordering = order(ctx, client, "funghi", 1);
    ordering.while_running(|| {
        expect_request(&mut conn, "order(\"funghi\", 1)", "ORDER funghi 1\n")?;
        conn.send(b"OK 1")
    })?;
    ctx.grader("hangs up before the \\n of its reply");
    drop(conn);
    expect_hung_up(ctx, "sent \"OK 1\" without its \\n and hung up", ordering.join_within(CALL_LIMIT)?)
}

/// What a call of the student's client returned once the grader's shop had hung up (`did` says
/// how): `ShopError::Io` with an error of kind `UnexpectedEof`, which is also its `source()`.
fn expect_hung_up<T: Debug>(ctx: &Ctx, did: &str, got: Result<T, ShopErr>) -> Outcome {
    let error = match got {
        Err(ShopErr::Io(error)) if error.is(io::ErrorKind::UnexpectedEof) => error,
        other => {
            return Err(Fail::new(did)
                .expected("Err(ShopError::Io(an error of kind UnexpectedEof)): the reply line never ended")
                .got(short_debug(&other))
                .hint(HUNG_UP));
        }
    };
    // The io::Error stays reachable as the source, for a caller that wants its kind.
    let expected = error.message.clone();
    let (_, source) = describe(ctx, ShopErr::Io(error))?;
    if source.as_deref() != Some(expected.as_str()) {
        return Err(Fail::new("called source() on the ShopError::Io your client returned")
            .expected(format!("Some(the io::Error: {expected:?})"))
            .got(short_debug(&source))
            .hint("keep the stub's `impl std::error::Error for ShopError`: source() of Io is its io::Error"));
    }
    Ok(())
}

/// A program that did not start because its `main` is still the stub's says so.
fn program_hint(ran: &Ran, otherwise: &str) -> String {
    if ran.stderr.contains("not yet implemented") {
        "src/main.rs is still a stub: replace its todo!()".to_owned()
    } else if ran.panicked() {
        "the program panicked: handle errors with match or ? and print them; do not unwrap".to_owned()
    } else {
        otherwise.to_owned()
    }
}

fn program_serve(ctx: &mut Ctx) -> Outcome {
    let mut server = ctx.serve_program(|addr| vec!["serve".to_owned(), addr.to_string()]).map_err(|fail| {
        if fail.got.contains("not yet implemented") {
            fail.hint("src/main.rs is still a stub: replace its todo!()")
        } else {
            fail.hint("`pizza-shop serve ADDR` binds ADDR and serves forever")
        }
    })?;
    let addr = server.addr();
    let mut idle = ctx.connect(addr)?;
    ctx.grader("says nothing on this first connection, and keeps it open");
    let mut conn = ctx.connect(addr)?;
    ask(&mut conn, "MENU", Expect::Line(&MENU_REPLY), "the program serves with your serve function")
        .map_err(|fail| fail.hint(format!("{ONE_AT_A_TIME}; the program printed {}", server.output())))?;
    ask(&mut conn, "ORDER margherita 2", Expect::Line("OK 1\n"), "the first order of the shop is number 1")?;
    ask(
        &mut idle,
        "STATUS 1",
        Expect::Line("OK 1 margherita 2\n"),
        "both clients talk to the same shop: one Shop in an Arc for the whole program",
    )?;
    ask(&mut conn, "QUIT", Expect::Line("OK bye\n"), "QUIT is answered with OK bye")?;
    if !server.running() {
        return Err(Fail::new(format!("started `{}` and served two clients", server.command_line()))
            .expected("the program to keep running for the next client")
            .got(format!("it had exited; {}", server.output()))
            .hint("the shop serves forever: main returns only when binding or accepting fails"));
    }
    Ok(())
}

fn program_call(ctx: &mut Ctx) -> Outcome {
    let shop = ctx.listen()?;
    let addr = shop.addr();
    let script: [(&str, &str); 4] = [
        ("MENU\n", "OK funghi calzone\n"),
        ("ORDER hawaii 1\n", "ERR unknown pizza hawaii\n"),
        ("ORDER funghi 2\n", "OK 5\n"),
        ("QUIT\n", "OK bye\n"),
    ];
    ctx.grader("answers, from another thread, as a scripted shop");
    let answering = GraderSide::start(move || -> Outcome {
        let mut conn = shop.accept_within(Duration::from_secs(2))?;
        for (request, reply) in script {
            conn.expect_line(
                "waited for the program's next request",
                request,
                LIMIT,
            )
            .map_err(|fail| {
                fail.hint("send each line of standard input as a request with its \\n, wait for its reply, and say QUIT when the input ends")
            })?;
            conn.send(reply.as_bytes())?;
        }
        Ok(())
    });
    let ran = ctx.run_program_with_input(
        &["call", &addr.to_string()],
        b"MENU\nORDER hawaii 1\nORDER funghi 2\n",
        PROGRAM_LIMIT,
    )?;
    let expected = "OK funghi calzone\nERR unknown pizza hawaii\nOK 5\nOK bye\n";
    let did = format!("ran `pizza-shop call {addr}` with three requests on its standard input");
    if ran.panicked() || ran.timed_out {
        return Err(Fail::new(did)
            .expected(format!("exit code 0 and the replies {} on stdout", quote(expected.as_bytes(), 80)))
            .got(ran.describe())
            .hint(program_hint(&ran, "the program must end when its input ends, after QUIT")));
    }
    answering.finish(&ran)?;
    if ran.status.success() && ran.stdout == expected {
        return Ok(());
    }
    Err(Fail::new(did)
        .expected(format!("exit code 0 and the replies {} on stdout", quote(expected.as_bytes(), 80)))
        .got(ran.describe())
        .hint(program_hint(
            &ran,
            "print each reply line as it came (an ERR reply too: it is an answer), and exit with code 0",
        )))
}

fn program_errors(ctx: &mut Ctx) -> Outcome {
    let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).setup("binding a port for the grader")?;
    let taken = held.local_addr().setup("reading the grader's port")?.to_string();
    ctx.grader(format!("binds {taken} itself and keeps it open"));
    let closed = ClosedPort::reserve().setup("reserving a port where nothing listens")?;
    let nobody = closed.addr().to_string();
    ctx.grader(format!("makes sure nothing listens on {nobody}"));
    let cases: [(&[&str], &str, &str); 4] = [
        (&[], "usage", "without a command, print `error: usage: pizza-shop serve [ADDR] | pizza-shop call [ADDR]`"),
        (&["bake"], "usage", "an unknown command gets the usage line"),
        (
            &["serve", &taken],
            &taken,
            "a failed bind ends the program: print `error: ` and the error, naming the address",
        ),
        (
            &["call", &nobody],
            &nobody,
            "a refused connection ends the program: print `error: ` and the error, naming the address",
        ),
    ];
    for (args, naming, hint) in cases {
        let ran = ctx.run_program_with_input(args, b"MENU\n", PROGRAM_LIMIT)?;
        let lines = ran.stderr.lines().count();
        if !ran.status.success() && !ran.panicked() && !ran.timed_out && lines == 1 && ran.stderr.contains(naming) {
            continue;
        }
        let command_line = std::iter::once("pizza-shop").chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
        return Err(Fail::new(format!("ran `{command_line}`"))
            .expected(format!("a non-zero exit code and one line on stderr that says {naming}"))
            .got(ran.describe())
            .hint(program_hint(&ran, hint)));
    }
    Ok(())
}
