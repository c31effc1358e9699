//! PEM input: the certificates of `extra_trusted` files. (Name and host syntax live with
//! their types, `model::Name` and `model::Host`.)
/// The DER of every `CERTIFICATE` block of a PEM file, each checked to parse as X.509.
pub fn pem_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
        let pem = pem.map_err(|e| e.to_string())?;
        if pem.label != "CERTIFICATE" {
            continue;
        }
        pem.parse_x509()
            .map_err(|e| format!("a certificate does not parse: {e}"))?;
        out.push(pem.contents);
    }
    Ok(out)
}
