//! The student host of 07-pizza-shop: performs the judge's calls on the student's crate. Kit code,
//! compiled by the grader together with the graded crate; see `grader_host`.

/// The calls and their answers, shared with the judge (which alone uses some of them).
#[allow(dead_code)]
mod wire;

use std::any::Any;
use std::sync::Arc;

use grader_host::serve::{Given, Performed, keep, put_back, reply, take};
use grader_host::wire::{Handle, MakeError, io};
use pizza_shop::{Client, Shop, ShopError};
use wire::{Call, ClientRef, ShopErr, ShopRef};

fn main() {
    grader_host::run(perform)
}

fn perform(call: Call, given: &mut Given) -> Performed {
    match call {
        Call::Contract => reply((pizza_shop::MENU, pizza_shop::MAX_QUANTITY)),
        Call::NewShop => reply(ShopRef(keep(Shop::default()))),
        Call::Reply(ShopRef(shop), line) => reply(with_kept(shop, |shop: &mut Shop| shop.reply(&line))?),
        Call::Serve => {
            let listener = given.listener()?;
            reply(io(pizza_shop::serve(&listener, Arc::new(Shop::default()))))
        }
        Call::Connect(addr) => reply(io(Client::connect(addr)).map(|client| ClientRef(keep(client)))),
        Call::Menu(ClientRef(client)) => reply(with_kept(client, |c: &mut Client| c.menu().map_err(mirror))?),
        Call::Order(ClientRef(client), pizza, quantity) => {
            reply(with_kept(client, |c: &mut Client| c.order(&pizza, quantity).map_err(mirror))?)
        }
        Call::Status(ClientRef(client), id) => {
            let status = with_kept(client, |c: &mut Client| c.status(id))?;
            reply(status.map(|o| wire::Order { id: o.id, pizza: o.pizza, quantity: o.quantity }).map_err(mirror))
        }
        // `quit` takes the client by value: it is not kept any more, and its connection closes.
        Call::Quit(ClientRef(client)) => reply(take::<Client>(client)?.quit().map_err(mirror)),
        Call::Describe(error) => {
            let error = original(error);
            reply((error.to_string(), std::error::Error::source(&error).map(ToString::to_string)))
        }
    }
}

/// Runs `f` on a kept value. Calls on one value come one after another, so it can be taken out
/// for the call; a panic in `f` drops it (the call has failed, and the check with it).
fn with_kept<T: Any + Send, R>(handle: Handle, f: impl FnOnce(&mut T) -> R) -> Result<R, String> {
    let mut value = take::<T>(handle)?;
    let result = f(&mut value);
    put_back(handle, value);
    Ok(result)
}

fn original(error: ShopErr) -> ShopError {
    match error {
        ShopErr::Io(error) => ShopError::Io(MakeError { kind: error.kind, message: Some(error.message) }.build()),
        ShopErr::Refused(reason) => ShopError::Refused(reason),
        ShopErr::BadReply(line) => ShopError::BadReply(line),
    }
}

fn mirror(error: ShopError) -> ShopErr {
    match error {
        ShopError::Io(error) => ShopErr::Io(error.into()),
        ShopError::Refused(reason) => ShopErr::Refused(reason),
        ShopError::BadReply(line) => ShopErr::BadReply(line),
    }
}
