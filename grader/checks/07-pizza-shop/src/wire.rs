//! The calls the judge of 07-pizza-shop asks the student host to perform, and the shapes in which
//! the answers come back. Shared by the judge (`main.rs`) and the host (`host.rs`).

use std::fmt;
use std::net::SocketAddr;

use grader_host::wire::{Handle, IoError};
use serde::{Deserialize, Serialize};

/// The pizzas of the exercise's `MENU`, in its order. They are part of the protocol the checks
/// hold the student's code to, so the judge keeps its own copy instead of trusting the student's.
pub const MENU: [&str; 4] = ["margherita", "marinara", "funghi", "diavola"];

/// The exercise's `MAX_QUANTITY`, copied for the same reason as [`MENU`].
pub const MAX_QUANTITY: u32 = 99;

/// A call into the student's crate.
#[derive(Debug, Serialize, Deserialize)]
pub enum Call {
    /// `(MENU, MAX_QUANTITY)` of the student's crate → `(Vec<String>, u32)`, to compare with the
    /// judge's copies.
    Contract,
    /// `Shop::default()` → [`ShopRef`]; the host keeps the shop.
    NewShop,
    /// `shop.reply(&line)` → `String`.
    Reply(ShopRef, String),
    /// `serve(&listener, Arc::new(Shop::default()))` on the listener sent with the call →
    /// `IoResult<()>`.
    Serve,
    /// `Client::connect(addr)` → `IoResult<ClientRef>`; the host keeps the client.
    Connect(SocketAddr),
    /// `client.menu()` → `Result<Vec<String>, ShopErr>`.
    Menu(ClientRef),
    /// `client.order(pizza, quantity)` → `Result<u64, ShopErr>`.
    Order(ClientRef, String, u32),
    /// `client.status(id)` → `Result<Order, ShopErr>`.
    Status(ClientRef, u64),
    /// `client.quit()` → `Result<(), ShopErr>`; the client is gone afterwards.
    Quit(ClientRef),
    /// The student's `ShopError` built from this value: `(error.to_string(), error.source()`'s
    /// `to_string()`) → `(String, Option<String>)`.
    Describe(ShopErr),
}

/// A `Shop` the host keeps for later calls.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopRef(pub Handle);

/// A `Client` the host keeps for later calls (with its connection open).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRef(pub Handle);

/// The student's `Order`; its `Debug` text reads like the original's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// `Order::id`.
    pub id: u64,
    /// `Order::pizza`.
    pub pizza: String,
    /// `Order::quantity`.
    pub quantity: u32,
}

/// The student's `ShopError`, variant by variant; its `Debug` text reads like the original's.
#[derive(Debug, Serialize, Deserialize)]
pub enum ShopErr {
    /// `ShopError::Io`, with the error as it crossed.
    Io(IoError),
    /// `ShopError::Refused`.
    Refused(String),
    /// `ShopError::BadReply`.
    BadReply(String),
}

// The kept values show in the conversation as the student's values would, without their insides
// (which stay in the host).
impl fmt::Debug for ShopRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Shop { .. }")
    }
}

impl fmt::Debug for ClientRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Client { .. }")
    }
}
