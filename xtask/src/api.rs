//! The public API of an exercise crate, as a sorted list of normalised item signatures, so that a
//! stub and its solution can be compared: same functions with the same signatures, same types with
//! the same public fields and variants, same trait impls. Bodies, private items and doc comments
//! do not count.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use quote::ToTokens;
use syn::{ImplItem, Item, Visibility};

/// The public API of the crate whose root is `lib_rs` (following `mod name;` into files).
pub fn public_api(lib_rs: &Path) -> Result<BTreeSet<String>, String> {
    let mut api = BTreeSet::new();
    collect_file(lib_rs, "", &mut api)?;
    Ok(api)
}

fn collect_file(file: &Path, prefix: &str, api: &mut BTreeSet<String>) -> Result<(), String> {
    let text = fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let parsed = syn::parse_file(&text).map_err(|e| format!("cannot parse {}: {e}", file.display()))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let is_root = file.file_name().is_some_and(|n| n == "lib.rs" || n == "mod.rs" || n == "main.rs");
    let module_dir = if is_root { dir.to_path_buf() } else { dir.join(file.file_stem().unwrap_or_default()) };
    collect_items(&parsed.items, prefix, &module_dir, api)
}

fn collect_items(items: &[Item], prefix: &str, module_dir: &Path, api: &mut BTreeSet<String>) -> Result<(), String> {
    for item in items {
        match item {
            Item::Fn(f) if is_pub(&f.vis) => {
                api.insert(format!("{prefix}{}", signature(&f.sig)));
            }
            Item::Struct(s) if is_pub(&s.vis) => {
                let mut s = s.clone();
                s.attrs.retain(|a| a.path().is_ident("derive"));
                // Private fields are an implementation detail; only their presence is part of the API.
                let mut private = false;
                s.fields.iter_mut().for_each(|f| f.attrs.clear());
                let fields: Vec<_> = s.fields.iter().filter(|f| is_pub(&f.vis)).cloned().collect();
                private |= fields.len() != s.fields.len();
                let shown = format!(
                    "struct {}{} {{ {} }}{}",
                    s.ident,
                    normalise(&s.generics),
                    fields.iter().map(normalise).collect::<Vec<_>>().join(", "),
                    if private { " + private fields" } else { "" }
                );
                api.insert(format!("{prefix}{}{shown}", derives(&s.attrs)));
            }
            Item::Enum(e) if is_pub(&e.vis) => {
                let mut e = e.clone();
                e.attrs.retain(|a| a.path().is_ident("derive"));
                e.variants.iter_mut().for_each(|v| {
                    v.attrs.clear();
                    v.fields.iter_mut().for_each(|f| f.attrs.clear());
                });
                api.insert(format!("{prefix}{}", normalise(&e)));
            }
            Item::Const(c) if is_pub(&c.vis) => {
                api.insert(format!("{prefix}const {}: {}", c.ident, normalise(&c.ty)));
            }
            Item::Static(s) if is_pub(&s.vis) => {
                api.insert(format!("{prefix}static {}: {}", s.ident, normalise(&s.ty)));
            }
            Item::Type(t) if is_pub(&t.vis) => {
                let mut t = t.clone();
                t.attrs.clear();
                api.insert(format!("{prefix}{}", normalise(&t)));
            }
            Item::Trait(t) if is_pub(&t.vis) => {
                let mut t = t.clone();
                t.attrs.clear();
                for item in &mut t.items {
                    if let syn::TraitItem::Fn(f) = item {
                        f.attrs.clear();
                        f.default = None;
                    }
                }
                api.insert(format!("{prefix}{}", normalise(&t)));
            }
            Item::Use(u) if is_pub(&u.vis) => {
                api.insert(format!("{prefix}{}", normalise(&u.tree)));
            }
            Item::Impl(i) => {
                let target = normalise(&i.self_ty);
                let generics = normalise(&i.generics);
                match &i.trait_ {
                    Some((_, path, _)) => {
                        api.insert(format!("{prefix}impl{generics} {} for {target}", normalise(path)));
                    }
                    None => {
                        for item in &i.items {
                            if let ImplItem::Fn(f) = item
                                && is_pub(&f.vis)
                            {
                                api.insert(format!("{prefix}impl{generics} {target} {{ {} }}", signature(&f.sig)));
                            }
                        }
                    }
                }
            }
            Item::Mod(m) if is_pub(&m.vis) => {
                let inner = format!("{prefix}{}::", m.ident);
                match &m.content {
                    Some((_, items)) => collect_items(items, &inner, &module_dir.join(m.ident.to_string()), api)?,
                    None => {
                        let file = module_file(module_dir, &m.ident.to_string())?;
                        collect_file(&file, &inner, api)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn module_file(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let flat = dir.join(format!("{name}.rs"));
    let nested = dir.join(name).join("mod.rs");
    [flat, nested]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| format!("no file for module {name} in {}", dir.display()))
}

/// A function signature without what callers cannot see: `mut` on a parameter is a detail of the
/// body (`fn f(mut x: T)` and `fn f(x: T)` are called the same way).
fn signature(sig: &syn::Signature) -> String {
    let mut sig = sig.clone();
    for input in &mut sig.inputs {
        if let syn::FnArg::Typed(typed) = input
            && let syn::Pat::Ident(ident) = &mut *typed.pat
        {
            ident.mutability = None;
        }
    }
    normalise(&sig)
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn derives(attrs: &[syn::Attribute]) -> String {
    attrs.iter().map(|a| format!("{} ", normalise(a))).collect()
}

/// Token text with the spacing `quote` gives, the same for both crates.
fn normalise(tokens: &impl ToTokens) -> String {
    tokens.to_token_stream().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_of(source: &str) -> BTreeSet<String> {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("lib.rs");
        fs::write(&lib, source).unwrap();
        public_api(&lib).unwrap()
    }

    #[test]
    fn bodies_docs_and_private_items_do_not_count() {
        let stub = api_of("/// Adds.\npub fn add(a: u8, b: u8) -> u8 { todo!() }\nfn helper() {}");
        let solution = api_of(
            "/// Adds two numbers.\npub fn add(a: u8, b: u8) -> u8 { helper(); a + b }\nfn helper() {}\nfn more() {}",
        );
        assert_eq!(stub, solution);
        assert_eq!(stub.len(), 1);
    }

    #[test]
    fn mut_on_a_parameter_is_not_part_of_the_api() {
        assert_eq!(api_of("pub fn f(x: Vec<u8>) {}"), api_of("pub fn f(mut x: Vec<u8>) { x.clear() }"));
    }

    #[test]
    fn a_changed_signature_or_variant_differs() {
        assert_ne!(api_of("pub fn f(a: u8) {}"), api_of("pub fn f(a: u16) {}"));
        assert_ne!(api_of("pub enum E { A, B }"), api_of("pub enum E { A }"));
        assert_ne!(api_of("#[derive(Debug)] pub struct S;"), api_of("pub struct S;"));
        assert_ne!(api_of("pub struct S; impl std::fmt::Display for S {}"), api_of("pub struct S;"));
    }

    #[test]
    fn private_fields_count_only_by_their_presence() {
        assert_eq!(api_of("pub struct S { pub a: u8, b: u16 }"), api_of("pub struct S { pub a: u8, c: String }"));
        assert_ne!(api_of("pub struct S { pub a: u8, b: u16 }"), api_of("pub struct S { pub a: u8 }"));
    }
}
