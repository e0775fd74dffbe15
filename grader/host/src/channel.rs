//! A Unix socket pair of kind `SOCK_SEQPACKET` between the judge and the host: each message
//! arrives whole or not at all, and may carry sockets (`SCM_RIGHTS`), so that the judge can hand
//! the host a listener or a stream it made itself and knows the address of.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::wire::MAX_MESSAGE;

/// How many sockets one message may carry.
const MAX_FDS: usize = 4;

/// One end of the channel.
#[derive(Debug)]
pub struct Channel {
    fd: OwnedFd,
}

/// A new connected pair, both ends close-on-exec.
pub fn pair() -> io::Result<(Channel, Channel)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: socketpair(2) writes two fds into the array on success.
    let done =
        unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) };
    if done != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just handed us these fds; nothing else owns them.
    let (a, b) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((Channel { fd: a }, Channel { fd: b }))
}

impl Channel {
    /// Takes an fd that is one end of a channel (the host's, inherited at [`crate::wire::CHANNEL_FD`]).
    pub fn from_fd(fd: OwnedFd) -> Self {
        Channel { fd }
    }

    /// The fd, to hand to a child process.
    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Sends one message with `fds` attached.
    pub fn send(&self, bytes: &[u8], fds: &[RawFd]) -> io::Result<()> {
        if bytes.len() > MAX_MESSAGE || fds.len() > MAX_FDS {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "message too large for the channel"));
        }
        let mut iov = libc::iovec { iov_base: bytes.as_ptr() as *mut libc::c_void, iov_len: bytes.len() };
        let mut control = vec![0u8; cmsg_space(MAX_FDS)];
        // SAFETY: an all-zero msghdr is valid; the fields set below point at live buffers.
        let mut header: libc::msghdr = unsafe { std::mem::zeroed() };
        header.msg_iov = &mut iov;
        header.msg_iovlen = 1;
        if !fds.is_empty() {
            let fd_bytes = std::mem::size_of_val(fds);
            header.msg_control = control.as_mut_ptr().cast();
            header.msg_controllen = cmsg_space(fds.len()) as _;
            // SAFETY: the control buffer has room for one header and `fds.len()` fds.
            unsafe {
                let cmsg = libc::CMSG_FIRSTHDR(&header);
                (*cmsg).cmsg_level = libc::SOL_SOCKET;
                (*cmsg).cmsg_type = libc::SCM_RIGHTS;
                (*cmsg).cmsg_len = libc::CMSG_LEN(fd_bytes as u32) as _;
                std::ptr::copy_nonoverlapping(fds.as_ptr().cast::<u8>(), libc::CMSG_DATA(cmsg), fd_bytes);
            }
        }
        loop {
            // SAFETY: `header` points at live buffers for the duration of the call.
            let sent = unsafe { libc::sendmsg(self.fd.as_raw_fd(), &header, libc::MSG_NOSIGNAL) };
            if sent >= 0 {
                return Ok(());
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }

    /// Receives one message and the fds it carried; `None` at the end (the other side is gone).
    /// A message longer than [`MAX_MESSAGE`] is an error.
    pub fn recv(&self) -> io::Result<Option<(Vec<u8>, Vec<OwnedFd>)>> {
        let mut buf = vec![0u8; MAX_MESSAGE + 1];
        let mut control = vec![0u8; cmsg_space(MAX_FDS)];
        let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
        // SAFETY: an all-zero msghdr is valid; the fields set below point at live buffers.
        let mut header: libc::msghdr = unsafe { std::mem::zeroed() };
        header.msg_iov = &mut iov;
        header.msg_iovlen = 1;
        header.msg_control = control.as_mut_ptr().cast();
        header.msg_controllen = control.len() as _;
        let received = loop {
            // SAFETY: `header` points at live buffers for the duration of the call.
            let received = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut header, libc::MSG_CMSG_CLOEXEC) };
            if received >= 0 {
                break received as usize;
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        };
        let mut fds = Vec::new();
        // SAFETY: the kernel filled the control buffer; CMSG_* walk it within msg_controllen.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&header);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                    let data = libc::CMSG_DATA(cmsg);
                    let count = ((*cmsg).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / size_of::<RawFd>();
                    for i in 0..count {
                        let fd = std::ptr::read_unaligned(data.cast::<RawFd>().add(i));
                        fds.push(OwnedFd::from_raw_fd(fd));
                    }
                }
                cmsg = libc::CMSG_NXTHDR(&header, cmsg);
            }
        }
        if received == 0 && fds.is_empty() {
            return Ok(None);
        }
        if received > MAX_MESSAGE || header.msg_flags & libc::MSG_TRUNC != 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "a message longer than the channel allows"));
        }
        buf.truncate(received);
        Ok(Some((buf, fds)))
    }
}

fn cmsg_space(fds: usize) -> usize {
    // SAFETY: CMSG_SPACE only computes a size.
    unsafe { libc::CMSG_SPACE((fds * size_of::<RawFd>()) as u32) as usize }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn messages_arrive_whole_with_their_sockets() {
        let (a, b) = pair().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        a.send(b"hello", &[listener.as_raw_fd()]).unwrap();
        a.send(b"again", &[]).unwrap();
        let (bytes, fds) = b.recv().unwrap().unwrap();
        assert_eq!(bytes, b"hello");
        let received = TcpListener::from(fds.into_iter().next().unwrap());
        assert_eq!(received.local_addr().unwrap(), addr);
        let _client = TcpStream::connect(addr).unwrap();
        received.accept().unwrap();
        assert_eq!(b.recv().unwrap().unwrap().0, b"again");
        drop(a);
        assert!(b.recv().unwrap().is_none());
    }
}
