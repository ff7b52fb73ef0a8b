//! A real, scannable QR code as a PNG data URL for WhatsApp sessions.
//! The QR matrix comes from the `qrcode` crate; the PNG is written here
//! (8-bit grayscale, zlib through flate2, CRC-32 through flate2's `Crc`)
//! because an image crate would bring a large dependency tree for ~30 lines.

use std::io::Write;

use base64::Engine;
use flate2::write::ZlibEncoder;
use flate2::{Compression, Crc};
use qrcode::{Color, QrCode};

const SCALE: usize = 4;
const QUIET: usize = 4;

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A PNG of the QR code of `text`; `None` if the text does not fit a QR code.
pub fn png(text: &str) -> Option<Vec<u8>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let n = code.width();
    let colors = code.to_colors();
    let side = (n + 2 * QUIET) * SCALE;
    let mut raw = Vec::with_capacity(side * (side + 1));
    for y in 0..side {
        raw.push(0); // filter: none
        for x in 0..side {
            let (mx, my) = ((x / SCALE).wrapping_sub(QUIET), (y / SCALE).wrapping_sub(QUIET));
            let dark = mx < n && my < n && colors[my * n + mx] == Color::Dark;
            raw.push(if dark { 0 } else { 255 });
        }
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(&raw).ok()?;
    let idat = z.finish().ok()?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(side as u32).to_be_bytes());
    ihdr.extend_from_slice(&(side as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit, grayscale, deflate, adaptive filters, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    Some(out)
}

/// `data:image/png;base64,...` of the QR code of `text`.
pub fn data_url(text: &str) -> String {
    // A 1x1 white PNG if the text cannot be encoded (it always can: the codes are short).
    const FALLBACK: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAG7buVgAAAABJRU5ErkJggg==";
    match png(text) {
        Some(bytes) => format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)),
        None => format!("data:image/png;base64,{FALLBACK}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn png_is_well_formed() {
        let p = super::png("2@abcdef").unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&p[12..16], b"IHDR");
        assert_eq!(&p[p.len() - 8..p.len() - 4], b"IEND");
    }
}
