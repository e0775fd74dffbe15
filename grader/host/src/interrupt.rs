//! Signals that interrupt student code's blocking calls, for checks that a read a signal
//! interrupted (`ErrorKind::Interrupted`, EINTR) is retried rather than returned. Only the thread
//! performing the call is signalled, and only while the call runs: the rest of the host never
//! sees a signal.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Once, PoisonError};
use std::time::Duration;

/// The signal sent. Its default action would end the process, so a handler is installed first;
/// the handler only counts, and is installed without `SA_RESTART`, so that a blocking `read`
/// returns EINTR instead of being restarted by the kernel.
const SIGNAL: libc::c_int = libc::SIGUSR2;

/// How many signals the handler has run for, in this process.
static HANDLED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count(_signal: libc::c_int) {
    // Async-signal-safe: one atomic add.
    HANDLED.fetch_add(1, Ordering::Relaxed);
}

fn install_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: `action` is fully initialised (zeroed, then the handler and an empty mask set)
        // before sigaction reads it; the handler is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = count as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = 0;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(SIGNAL, &action, std::ptr::null_mut());
        }
    });
}

/// Runs `f` on this thread while another thread sends this thread a signal every `every` until
/// `f` returns. Returns what `f` returned and how many signals were handled meanwhile.
pub fn interrupted_every<R>(every: Duration, f: impl FnOnce() -> R) -> (R, usize) {
    install_handler();
    // SAFETY: pthread_self has no preconditions.
    let target = unsafe { libc::pthread_self() };
    let before = HANDLED.load(Ordering::Relaxed);
    // `true` while `f` runs. The signaller sends only while holding the lock and seeing `true`,
    // and this thread clears it under the lock before going on: no signal reaches it after `f`.
    let running = Arc::new((Mutex::new(true), Condvar::new()));
    let signaller = {
        let running = Arc::clone(&running);
        // pthread_t is an integer on Linux; passed as such to the other thread.
        let target = target as u64;
        std::thread::spawn(move || {
            let (lock, wake) = &*running;
            let mut still = lock.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                still = wake.wait_timeout_while(still, every, |r| *r).unwrap_or_else(PoisonError::into_inner).0;
                if !*still {
                    return;
                }
                // SAFETY: the target thread is inside `f` (it cannot clear `running`, and so
                // cannot return, while this thread holds the lock), so it is alive.
                unsafe { libc::pthread_kill(target as libc::pthread_t, SIGNAL) };
            }
        })
    };
    let value = f();
    let (lock, wake) = &*running;
    *lock.lock().unwrap_or_else(PoisonError::into_inner) = false;
    wake.notify_all();
    let _ = signaller.join();
    (value, HANDLED.load(Ordering::Relaxed) - before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{ErrorKind, Read};
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn a_blocked_read_is_interrupted_and_nothing_arrives_after_the_call() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let _server = listener.accept().unwrap();
        let (read, handled) = interrupted_every(Duration::from_millis(20), || client.read(&mut [0; 8]));
        assert_eq!(read.unwrap_err().kind(), ErrorKind::Interrupted);
        assert!(handled >= 1);
        // No signal is still coming once the call has returned.
        let after = HANDLED.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(HANDLED.load(Ordering::Relaxed), after);
    }
}
