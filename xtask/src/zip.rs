//! A zip archive of a folder, as `cargo xtask autograder` uploads to Gradescope: entries stored
//! without compression (the kit depends on no compression library, and the archive is made once a
//! term), UTF-8 names, Unix permissions kept (the judges and `run_autograder` are executable), and
//! a fixed timestamp, so that the same folder always gives the same bytes.
//!
//! The format is PKWARE's APPNOTE: per file a local header and the data, then the central
//! directory and its end record. Archives larger than 4 GiB or with more than 65535 entries would
//! need ZIP64 and are refused instead.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// 1980-01-01 00:00, the earliest time a zip can hold: reproducible archives.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// Version 2.0: the least that stored entries in folders need.
const VERSION: u16 = 20;
/// "Made by" Unix (3), so that unzippers read the permission bits in the external attributes.
const MADE_BY: u16 = (3 << 8) | VERSION;
/// General purpose flag 11: names are UTF-8.
const UTF8: u16 = 1 << 11;

/// What an archive holds.
#[derive(Debug, Default)]
pub struct Summary {
    /// Files in it.
    pub files: usize,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Writes every regular file under `dir` into the zip archive `out` (replacing it atomically),
/// named by its path relative to `dir`, in sorted order.
pub fn write(dir: &Path, out: &Path) -> io::Result<Summary> {
    let mut files = Vec::new();
    list(dir, Path::new(""), &mut files)?;
    let temporary = out.with_extension(format!("zip.tmp{}", std::process::id()));
    let result = write_files(dir, &files, &temporary).and_then(|summary| {
        fs::rename(&temporary, out)?;
        Ok(summary)
    });
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

fn write_files(dir: &Path, files: &[PathBuf], out: &Path) -> io::Result<Summary> {
    if files.len() >= usize::from(u16::MAX) {
        return Err(io::Error::other("more than 65534 files: too many for a zip without ZIP64"));
    }
    let too_large = || io::Error::other("larger than 4 GiB: too large for a zip without ZIP64");
    let mut writer = io::BufWriter::new(fs::File::create(out)?);
    let mut offset: u64 = 0;
    let mut central = Vec::new();
    for relative in files {
        let path = dir.join(relative);
        let data = fs::read(&path)?;
        let mode = fs::metadata(&path)?.permissions().mode();
        // Executable or not; nothing else of the mode matters to an unzipper.
        let mode: u32 = if mode & 0o111 != 0 { 0o100755 } else { 0o100644 };
        let name = relative.to_str().ok_or_else(|| io::Error::other(format!("{} is not UTF-8", relative.display())))?;
        let name = name.as_bytes();
        let size = u32::try_from(data.len()).map_err(|_| too_large())?;
        let crc = crc32(&data);
        let header_offset = u32::try_from(offset).map_err(|_| too_large())?;
        let mut local = Vec::with_capacity(30 + name.len());
        put32(&mut local, 0x0403_4b50);
        for field in [VERSION, UTF8, 0, DOS_TIME, DOS_DATE] {
            put16(&mut local, field);
        }
        for field in [crc, size, size] {
            put32(&mut local, field);
        }
        put16(&mut local, u16::try_from(name.len()).map_err(|_| io::Error::other("a name too long"))?);
        put16(&mut local, 0);
        local.extend_from_slice(name);
        writer.write_all(&local)?;
        writer.write_all(&data)?;
        offset += (local.len() + data.len()) as u64;

        put32(&mut central, 0x0201_4b50);
        for field in [MADE_BY, VERSION, UTF8, 0, DOS_TIME, DOS_DATE] {
            put16(&mut central, field);
        }
        for field in [crc, size, size] {
            put32(&mut central, field);
        }
        put16(&mut central, u16::try_from(name.len()).expect("checked above"));
        for field in [0, 0, 0, 0] {
            put16(&mut central, field);
        }
        put32(&mut central, mode << 16);
        put32(&mut central, header_offset);
        central.extend_from_slice(name);
    }
    let count = u16::try_from(files.len()).expect("checked above");
    let mut end = Vec::with_capacity(22);
    put32(&mut end, 0x0605_4b50);
    for field in [0, 0, count, count] {
        put16(&mut end, field);
    }
    put32(&mut end, u32::try_from(central.len()).map_err(|_| too_large())?);
    put32(&mut end, u32::try_from(offset).map_err(|_| too_large())?);
    put16(&mut end, 0);
    writer.write_all(&central)?;
    writer.write_all(&end)?;
    writer.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(Summary { files: files.len(), bytes: offset + (central.len() + end.len()) as u64 })
}

/// The regular files under `dir/relative`, relative to `dir`, sorted; links are not followed.
fn list(dir: &Path, relative: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir.join(relative))?.collect::<io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let kind = entry.file_type()?;
        let path = relative.join(entry.file_name());
        if kind.is_dir() {
            list(dir, &path, files)?;
        } else if kind.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// CRC-32 (IEEE 802.3, reflected, as zip uses it).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_zips() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn an_archive_lists_every_file_with_its_mode_and_ends_with_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("from");
        fs::create_dir_all(from.join("a/b")).unwrap();
        fs::write(from.join("a/b/script"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(from.join("a/b/script"), fs::Permissions::from_mode(0o700)).unwrap();
        fs::write(from.join("text"), "hello").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", from.join("link")).unwrap();
        let out = dir.path().join("out.zip");
        let summary = write(&from, &out).unwrap();
        assert_eq!(summary.files, 2, "links are left out");
        let bytes = fs::read(&out).unwrap();
        assert_eq!(summary.bytes, bytes.len() as u64);
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        let end = &bytes[bytes.len() - 22..];
        assert_eq!(&end[..4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 2);
        // The central directory names both files, the script executable.
        let offset = u32::from_le_bytes(end[16..20].try_into().unwrap()) as usize;
        let central = &bytes[offset..bytes.len() - 22];
        let name_at = 46;
        assert_eq!(&central[name_at..name_at + 10], b"a/b/script");
        assert_eq!(u32::from_le_bytes(central[38..42].try_into().unwrap()) >> 16, 0o100755);
        // The same folder, the same bytes.
        write(&from, &out).unwrap();
        assert_eq!(fs::read(&out).unwrap(), bytes);
    }
}
