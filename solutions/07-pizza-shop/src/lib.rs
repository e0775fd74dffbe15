//! # Exercise 07 — the pizza shop: a line protocol (solution)
//!
//! Every message is one line ending in `\n`; the shop answers every request with exactly one line
//! starting with `OK` or `ERR`. See the exercise's doc comments and guide for the protocol.

use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

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
#[derive(Debug, Default)]
pub struct Shop {
    /// Every order accepted so far; the order with id `n` is at index `n - 1`.
    orders: Mutex<Vec<Order>>,
}

impl Shop {
    /// The reply line (ending in `\n`) to one request line.
    pub fn reply(&self, line: &str) -> String {
        let words: Vec<&str> = line.split_whitespace().collect();
        let reply = match words.as_slice() {
            ["MENU"] => Ok(MENU.join(" ")),
            ["ORDER", pizza, quantity] => self.order(pizza, quantity),
            ["STATUS", id] => self.status(id),
            ["QUIT"] => Ok("bye".to_owned()),
            ["MENU" | "QUIT", ..] => Err(format!("{} takes no arguments", words[0])),
            ["ORDER", ..] => Err("usage: ORDER <pizza> <quantity>".to_owned()),
            ["STATUS", ..] => Err("usage: STATUS <id>".to_owned()),
            [] => Err("empty request".to_owned()),
            [command, ..] => Err(format!("unknown command {command}")),
        };
        match reply {
            Ok(text) => format!("OK {text}\n"),
            Err(reason) => format!("ERR {reason}\n"),
        }
    }

    fn order(&self, pizza: &str, quantity: &str) -> Result<String, String> {
        if !MENU.contains(&pizza) {
            return Err(format!("unknown pizza {pizza}"));
        }
        let quantity = quantity
            .parse::<u32>()
            .ok()
            .filter(|q| (1..=MAX_QUANTITY).contains(q))
            .ok_or_else(|| format!("quantity must be a whole number from 1 to {MAX_QUANTITY}, not {quantity}"))?;
        // Checked first, booked second: a refused order never takes an id. The id is decided
        // under the lock, so two clients ordering at once cannot get the same one.
        let mut orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        let id = orders.len() as u64 + 1;
        orders.push(Order { id, pizza: pizza.to_owned(), quantity });
        Ok(id.to_string())
    }

    fn status(&self, id: &str) -> Result<String, String> {
        let orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        let order = id
            .parse::<u64>()
            .ok()
            .and_then(|id| orders.get(usize::try_from(id).ok()?.checked_sub(1)?))
            .ok_or_else(|| format!("no order {id}"))?;
        Ok(format!("{} {} {}", order.id, order.pizza, order.quantity))
    }
}

/// Answers one client's request lines until `QUIT` or end of file.
pub fn serve_client(shop: &Shop, stream: TcpStream) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut bytes = Vec::new();
        // read_until collects pieces until the newline and keeps any bytes after it for the next
        // call: segment boundaries do not matter.
        reader.read_until(b'\n', &mut bytes)?;
        if bytes.pop() != Some(b'\n') {
            // End of file, possibly in the middle of a line: the client hung up.
            return Ok(());
        }
        let line = String::from_utf8_lossy(&bytes);
        let reply = shop.reply(&line);
        writer.write_all(reply.as_bytes())?;
        if line.split_whitespace().eq(["QUIT"]) {
            // Both handles are dropped on return: the connection closes after "OK bye".
            return Ok(());
        }
    }
}

/// Accepts forever, a thread per client, all sharing `shop`.
pub fn serve(listener: &TcpListener, shop: Arc<Shop>) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept()?;
        let shop = Arc::clone(&shop);
        let started = thread::Builder::new().name(format!("client {peer}")).spawn(move || {
            if let Err(error) = serve_client(&shop, stream) {
                eprintln!("client {peer}: {error}");
            }
        });
        if let Err(error) = started {
            eprintln!("client {peer}: cannot start a thread: {error}");
        }
    }
}

/// What can go wrong when talking to the shop.
#[derive(Debug)]
pub enum ShopError {
    /// The connection failed, or the shop hung up before its reply line was complete.
    Io(io::Error),
    /// The shop answered `ERR <reason>`.
    Refused(String),
    /// The shop's reply does not follow the protocol.
    BadReply(String),
}

impl fmt::Display for ShopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShopError::Io(error) => write!(f, "talking to the shop failed: {error}"),
            ShopError::Refused(reason) => write!(f, "the shop refused: {reason}"),
            ShopError::BadReply(line) => write!(f, "the shop's reply makes no sense: {line:?}"),
        }
    }
}

impl std::error::Error for ShopError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ShopError::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for ShopError {
    fn from(error: io::Error) -> Self {
        ShopError::Io(error)
    }
}

/// A client of the shop.
#[derive(Debug)]
pub struct Client {
    /// The connection, wrapped in a reader that collects the reply lines.
    reader: BufReader<TcpStream>,
}

impl Client {
    /// Calls the shop at `addr`.
    pub fn connect(addr: SocketAddr) -> io::Result<Client> {
        Ok(Client { reader: BufReader::new(TcpStream::connect(addr)?) })
    }

    /// Sends one request line and returns the reply line without its `\n`.
    pub fn send(&mut self, request: &str) -> io::Result<String> {
        // One buffer, one write_all: the request and its newline leave together.
        self.reader.get_mut().write_all(format!("{request}\n").as_bytes())?;
        let mut reply = String::new();
        self.reader.read_line(&mut reply)?;
        if reply.pop() != Some('\n') {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the shop hung up before the end of its reply"));
        }
        Ok(reply)
    }

    /// Sends `request` and returns the whole reply line if it is an `OK`; an `ERR` becomes
    /// `Refused` with its reason, anything else `BadReply`.
    fn ok_reply(&mut self, request: &str) -> Result<String, ShopError> {
        let reply = self.send(request)?;
        match reply.split_whitespace().next() {
            Some("OK") => Ok(reply),
            Some("ERR") => {
                let reason = reply.trim_start().strip_prefix("ERR").unwrap_or_default();
                Err(ShopError::Refused(reason.trim().to_owned()))
            }
            _ => Err(ShopError::BadReply(reply)),
        }
    }

    /// Asks for the menu.
    pub fn menu(&mut self) -> Result<Vec<String>, ShopError> {
        let reply = self.ok_reply("MENU")?;
        Ok(after_ok(&reply).into_iter().map(str::to_owned).collect())
    }

    /// Orders `quantity` of `pizza` and returns the order's id.
    pub fn order(&mut self, pizza: &str, quantity: u32) -> Result<u64, ShopError> {
        let reply = self.ok_reply(&format!("ORDER {pizza} {quantity}"))?;
        match after_ok(&reply).as_slice() {
            [id] => id.parse().ok(),
            _ => None,
        }
        .ok_or(ShopError::BadReply(reply))
    }

    /// Asks about order `id`.
    pub fn status(&mut self, id: u64) -> Result<Order, ShopError> {
        let reply = self.ok_reply(&format!("STATUS {id}"))?;
        let order = match after_ok(&reply).as_slice() {
            [id, pizza, quantity] => id.parse().ok().zip(quantity.parse().ok()).map(|(id, quantity)| Order {
                id,
                pizza: (*pizza).to_owned(),
                quantity,
            }),
            _ => None,
        };
        order.ok_or(ShopError::BadReply(reply))
    }

    /// Says goodbye and expects `OK bye`.
    pub fn quit(self) -> Result<(), ShopError> {
        let mut client = self;
        let reply = client.ok_reply("QUIT")?;
        if after_ok(&reply) == ["bye"] { Ok(()) } else { Err(ShopError::BadReply(reply)) }
        // `client` is dropped here: the connection closes.
    }
}

/// The words of an `OK` reply after the `OK`.
fn after_ok(reply: &str) -> Vec<&str> {
    reply.split_whitespace().skip(1).collect()
}
