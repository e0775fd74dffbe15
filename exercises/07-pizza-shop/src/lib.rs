//! # Exercise 07 — the pizza shop: a line protocol
//!
//! The chapter's analogy: a server is a pizza shop with a phone number (an address and a port),
//! waiting for calls (`listen`). Each call it picks up is a new line (`accept` returns a new
//! socket), and the shop can take many calls at once (a thread per client). A client looks up the
//! number and calls (`connect`). Then both sides must speak the same language: that is the
//! **protocol**, and this exercise defines one.
//!
//! TCP carries a stream of bytes with no message boundaries, so the protocol says where a message
//! ends: **every message is one line, ending in `\n`**. A reader collects bytes until it has a
//! `\n` — however the bytes were split into segments on the way — and a writer always sends the
//! `\n`. Reading with [`std::io::BufReader`] and [`std::io::BufRead::read_line`] does the
//! collecting for you.
//!
//! ## The protocol
//!
//! The client sends **requests**, one per line; the shop answers **each** request with exactly
//! **one reply line**, in order. A reply starts with `OK` (done) or `ERR` (refused, followed by a
//! reason for people to read, never empty).
//!
//! | request                     | reply on success                       | refused when                                                   |
//! |-----------------------------|----------------------------------------|----------------------------------------------------------------|
//! | `MENU`                      | `OK margherita marinara funghi diavola` | it has any other word after it                                |
//! | `ORDER <pizza> <quantity>`  | `OK <id>`                              | the pizza is not on the [`MENU`], the quantity is not a whole number from 1 to [`MAX_QUANTITY`], or a word is missing or extra |
//! | `STATUS <id>`               | `OK <id> <pizza> <quantity>`           | no order has that id (or it is not a number), or a word is missing or extra |
//! | `QUIT`                      | `OK bye`, then the shop hangs up        | it has any other word after it                                |
//! | anything else               |                                        | always: unknown command, empty line, lowercase `menu`…        |
//!
//! Precisely:
//!
//! - A line is the bytes before a `\n` (the `\n` is not part of it). Its words are what
//!   [`str::split_whitespace`] gives: extra spaces, tabs and a `\r` before the `\n` (sent by some
//!   terminals) do not matter.
//! - Commands are uppercase, exactly as in the table. Pizza names are lowercase, exactly as in
//!   [`MENU`]. Numbers are read with `str::parse` (`u32` for quantities, `u64` for ids).
//! - The `MENU` reply lists the pizzas of [`MENU`] in that order, separated by single spaces.
//! - Order ids are 1, 2, 3… in the order the shop accepts orders, counted over **all** clients of
//!   the shop (one order book for the whole shop). A refused `ORDER` uses no id.
//! - After an `ERR` the connection stays open: the client may send its next request.
//! - After `OK bye` the shop closes the connection. A client that closes the connection (even in
//!   the middle of a line) ends its own conversation; the shop goes on serving everybody else.
//!
//! An example conversation (`→` from the client, `←` from the shop):
//!
//! ```text
//! → MENU
//! ← OK margherita marinara funghi diavola
//! → ORDER funghi 2
//! ← OK 1
//! → ORDER hawaii 1
//! ← ERR unknown pizza hawaii
//! → STATUS 1
//! ← OK 1 funghi 2
//! → QUIT
//! ← OK bye
//! ```
//!
//! Fill in the functions marked `todo!()`: first the shop ([`Shop::reply`], [`serve_client`],
//! [`serve`]), then the client ([`Client`]'s methods), then `src/main.rs`. Check your work with
//! `cargo xtask grade 07`.

use std::fmt;
use std::io::{self, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// The pizzas the shop makes, in the order the `MENU` reply lists them.
pub const MENU: [&str; 4] = ["margherita", "marinara", "funghi", "diavola"];

/// The largest quantity of one order.
pub const MAX_QUANTITY: u32 = 99;

/// One order the shop has accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    /// Its number: 1 for the shop's first order, 2 for the second…
    pub id: u64,
    /// One of [`MENU`].
    pub pizza: String,
    /// From 1 to [`MAX_QUANTITY`].
    pub quantity: u32,
}

/// The shop: its order book, shared by every client's thread.
///
/// Create one with `Shop::default()`. Many threads call [`Shop::reply`] at the same time, so the
/// orders are kept behind a [`Mutex`]: lock it, read or change the list, and the lock is released
/// when the guard goes out of scope.
#[derive(Debug, Default)]
pub struct Shop {
    /// Every order accepted so far, in order: the order with id `n` is at index `n - 1`.
    orders: Mutex<Vec<Order>>,
}

impl Shop {
    /// The reply to one request `line` (without its `\n`), **ending in `\n`**, as the protocol
    /// above says: `"OK 1 funghi 2\n"`, `"ERR unknown pizza hawaii\n"`…
    ///
    /// This is the shop's whole brain, and it does no I/O, so it is easy to test. Suggested
    /// steps: split the line into words (`let words: Vec<&str> = line.split_whitespace().collect();`),
    /// then `match words.as_slice()` with one arm per request shape, such as
    /// `["ORDER", pizza, quantity] => ...`, and a last arm `_ =>` for everything else.
    ///
    /// Check everything about an order before you add it to the book: a refused order must not use
    /// an id. `QUIT` gets `"OK bye\n"` (closing the connection is [`serve_client`]'s job).
    pub fn reply(&self, line: &str) -> String {
        todo!("parse {line:?} and build the reply line, ending in \\n")
    }
}

/// Serves one client on `stream`: reads request lines one by one, and writes
/// `shop.reply(line)` for each, until the client says `QUIT` or closes the connection.
///
/// - Wrap a clone of the stream in a [`BufReader`] (`BufReader::new(stream.try_clone()?)`) and
///   read with `read_line`, or better `read_until(b'\n', &mut bytes)` (it does not fail on bytes
///   that are not UTF-8: turn them into text with `String::from_utf8_lossy`). A line may arrive
///   in several pieces, and several lines may arrive in one piece: the reader sorts that out.
/// - Reading 0 bytes means end of file: the client hung up; return `Ok(())`. So does a last line
///   without its `\n` (the client hung up in the middle of it): do not answer it.
/// - Remove the `\n` before calling [`Shop::reply`], and write the reply with `write_all` on the
///   stream.
/// - After answering `QUIT`, return: dropping the stream (and its clone) closes the connection.
/// - I/O errors are returned with `?`.
pub fn serve_client(shop: &Shop, stream: TcpStream) -> io::Result<()> {
    todo!("read lines, write shop.reply(line) for each, stop at QUIT or end of file")
}

/// Accepts clients on `listener` forever and serves each one with [`serve_client`] on a thread of
/// its own (exercise 06), all with the same `shop`.
///
/// The shop is shared: give each thread its own handle with `let shop = Arc::clone(&shop);` and
/// move that into the thread. A thread's error is printed with the client's address
/// (`eprintln!("client {peer}: {error}")`); an error of `accept` is returned with `?`.
pub fn serve(listener: &TcpListener, shop: Arc<Shop>) -> io::Result<()> {
    todo!("accept forever; a thread per client running serve_client with a clone of the Arc")
}

/// What can go wrong when talking to the shop.
#[derive(Debug)]
pub enum ShopError {
    /// The connection failed, or the shop hung up before its reply line was complete (that is an
    /// error of kind `io::ErrorKind::UnexpectedEof`).
    Io(io::Error),
    /// The shop answered `ERR <reason>`; this keeps the reason (the text after `ERR `).
    Refused(String),
    /// The shop's reply does not follow the protocol (keeps the whole reply line): neither `OK`
    /// nor `ERR`, or an `OK` without the expected words.
    BadReply(String),
}

/// A message for people; nothing to do here.
impl fmt::Display for ShopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShopError::Io(error) => write!(f, "talking to the shop failed: {error}"),
            ShopError::Refused(reason) => write!(f, "the shop refused: {reason}"),
            ShopError::BadReply(line) => write!(f, "the shop's reply makes no sense: {line:?}"),
        }
    }
}

/// Lets `ShopError` travel in a `Box<dyn Error>`; nothing to do here.
impl std::error::Error for ShopError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ShopError::Io(error) => Some(error),
            _ => None,
        }
    }
}

/// Lets `?` turn an `io::Error` into a `ShopError::Io`; nothing to do here.
impl From<io::Error> for ShopError {
    fn from(error: io::Error) -> Self {
        ShopError::Io(error)
    }
}

/// A client of the shop: one connection, on which it sends requests and reads replies.
#[derive(Debug)]
pub struct Client {
    /// The connection, wrapped in a reader that collects the reply lines. Write requests to the
    /// stream underneath: `self.reader.get_mut()` gives it.
    reader: BufReader<TcpStream>,
}

impl Client {
    /// Calls the shop at `addr` (errors with `?`).
    pub fn connect(addr: SocketAddr) -> io::Result<Client> {
        todo!("connect to {addr} and wrap the stream in a BufReader")
    }

    /// Sends one request line — `request` followed by `\n`, with `write_all` — and returns the
    /// shop's reply line **without** its `\n`, exactly as the shop sent it (`"OK 3"`,
    /// `"ERR unknown pizza hawaii"`).
    ///
    /// Read the reply with `read_line`: it keeps reading until the `\n`, however the reply was
    /// split on the way. If the shop hangs up before the `\n` (`read_line` returns 0, or a line
    /// without `\n`), return an error of kind `io::ErrorKind::UnexpectedEof`.
    pub fn send(&mut self, request: &str) -> io::Result<String> {
        todo!("write_all {request:?} and a newline, read one reply line")
    }

    /// Asks for the menu (`MENU`) and returns the pizzas the shop listed, in its order.
    ///
    /// Read them from the reply — the shop may have changed its menu since [`MENU`] was written.
    /// `OK` followed by the names gives `Ok(names)`; `ERR reason` gives
    /// `Err(ShopError::Refused(reason))`; anything else `Err(ShopError::BadReply(line))`. Every
    /// method below sorts replies the same way: a private helper saves you from writing it thrice.
    pub fn menu(&mut self) -> Result<Vec<String>, ShopError> {
        todo!("send MENU and read the names from the OK reply")
    }

    /// Orders `quantity` of `pizza` (`ORDER <pizza> <quantity>`) and returns the id from the
    /// `OK <id>` reply. An `OK` without exactly one number after it is a `BadReply`.
    pub fn order(&mut self, pizza: &str, quantity: u32) -> Result<u64, ShopError> {
        todo!("send ORDER {pizza} {quantity} and parse the id")
    }

    /// Asks about order `id` (`STATUS <id>`) and returns it from the `OK <id> <pizza> <quantity>`
    /// reply. An `OK` with other words (not three, or numbers that do not parse) is a `BadReply`.
    pub fn status(&mut self, id: u64) -> Result<Order, ShopError> {
        todo!("send STATUS {id} and build an Order from the reply")
    }

    /// Says goodbye (`QUIT`) and expects `OK bye`. Takes the client by value: after this the
    /// connection is over, and it closes when `self` is dropped at the end of the method. (To call
    /// `send`, which needs `&mut self`, first write `let mut client = self;`.)
    pub fn quit(self) -> Result<(), ShopError> {
        todo!("send QUIT and expect OK bye")
    }
}
