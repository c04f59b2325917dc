//! What a browser dialling a relay's `/webrtc-direct` address does to SDP
//! (libp2p's WebRTC-direct spec): its offer's ICE username fragment and
//! password become one the dialler chose (`libp2p+webrtc+v1/…`), so the
//! relay, which never sees the offer, can tell the dialler's STUN requests
//! apart and answer them; and the dialler's own certificate fingerprint,
//! read from its offer, goes into the Noise prologue.

/// The SDP `offer` with its ICE username fragment and password both set to
/// `ufrag`. Lines keep their order; empty lines go.
pub fn munge_offer(offer: &str, ufrag: &str) -> String {
    let mut out = String::with_capacity(offer.len());
    for line in offer.split("\r\n").filter(|l| !l.is_empty()) {
        if line.starts_with("a=ice-ufrag:") {
            out.push_str("a=ice-ufrag:");
            out.push_str(ufrag);
        } else if line.starts_with("a=ice-pwd:") {
            out.push_str("a=ice-pwd:");
            out.push_str(ufrag);
        } else {
            out.push_str(line);
        }
        out.push_str("\r\n");
    }
    out
}

/// Why a description's fingerprint could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    /// No `a=fingerprint:` line.
    #[error("the description names no certificate fingerprint")]
    Missing,
    /// A hash other than SHA-256 (the only one libp2p's WebRTC takes).
    #[error("the certificate fingerprint is {0}, not sha-256")]
    Algorithm(String),
    /// Not 32 colon-separated hex bytes.
    #[error("the certificate fingerprint is malformed")]
    Malformed,
}

/// The SHA-256 certificate fingerprint a description declares
/// (`a=fingerprint:sha-256 AB:CD:…`, RFC 8122), as raw bytes. The first
/// one counts: a browser puts the same one in every media section.
pub fn fingerprint(sdp: &str) -> Result<[u8; 32], FingerprintError> {
    let value = sdp
        .split(['\r', '\n'])
        .find_map(|l| l.strip_prefix("a=fingerprint:"))
        .ok_or(FingerprintError::Missing)?;
    let (algorithm, hex) = value
        .trim()
        .split_once(' ')
        .ok_or(FingerprintError::Malformed)?;
    // Hash names are case-insensitive (RFC 8122, section 5).
    if !algorithm.eq_ignore_ascii_case("sha-256") {
        return Err(FingerprintError::Algorithm(algorithm.to_owned()));
    }
    let mut bytes = [0u8; 32];
    let mut parts = hex.trim().split(':');
    for byte in &mut bytes {
        let part = parts.next().ok_or(FingerprintError::Malformed)?;
        if part.len() != 2 {
            return Err(FingerprintError::Malformed);
        }
        *byte = u8::from_str_radix(part, 16).map_err(|_| FingerprintError::Malformed)?;
    }
    if parts.next().is_some() {
        return Err(FingerprintError::Malformed);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An offer headless Chromium 156 made (one negotiated data channel),
    /// and what the certificate it was made with reported as its
    /// fingerprint (`RTCCertificate.getFingerprints()`).
    const CHROMIUM_OFFER: &str = "v=0\r\no=- 7459818750249628235 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:gej9\r\na=ice-pwd:XFsxCDSG0/OixSh/dKYhz4Fg\r\na=ice-options:trickle\r\na=fingerprint:sha-256 DF:C8:AC:70:F9:C1:3F:30:AF:42:07:2D:AC:70:31:8D:D0:DD:9F:40:4B:46:DE:61:D1:CA:D9:DF:A6:EA:BF:1B\r\na=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n";
    const CHROMIUM_FINGERPRINT: &str = "df:c8:ac:70:f9:c1:3f:30:af:42:07:2d:ac:70:31:8d:d0:dd:9f:40:4b:46:de:61:d1:ca:d9:df:a6:ea:bf:1b";

    fn hex(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    #[test]
    fn the_offer_takes_the_chosen_ufrag_as_username_and_password() {
        let ufrag = "libp2p+webrtc+v1/4d8b1c8f0e2a4a6b9c3d";
        let munged = munge_offer(CHROMIUM_OFFER, ufrag);
        let lines: Vec<&str> = munged.split("\r\n").collect();
        assert!(lines.contains(&format!("a=ice-ufrag:{ufrag}").as_str()));
        assert!(lines.contains(&format!("a=ice-pwd:{ufrag}").as_str()));
        assert!(!munged.contains("gej9") && !munged.contains("XFsxCDSG0"));
        // Everything else as it was, in order, each line ended once.
        let others = |sdp: &str| {
            sdp.split("\r\n")
                .filter(|l| !l.starts_with("a=ice-ufrag:") && !l.starts_with("a=ice-pwd:"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(others(&munged), others(CHROMIUM_OFFER));
        assert!(munged.ends_with("\r\n") && !munged.contains("\r\n\r\n"));
    }

    #[test]
    fn the_fingerprint_is_the_one_the_certificate_reports() {
        let bytes = fingerprint(CHROMIUM_OFFER).expect("a sha-256 fingerprint");
        assert_eq!(hex(&bytes), CHROMIUM_FINGERPRINT);
        // Munging leaves it alone.
        let munged = munge_offer(CHROMIUM_OFFER, "libp2p+webrtc+v1/x");
        assert_eq!(fingerprint(&munged), Ok(bytes));
    }

    #[test]
    fn the_fingerprint_reads_what_a_relays_answer_declares() {
        // The answer libp2p builds for a `/webrtc-direct` address; its
        // fingerprint written by libp2p's own formatter.
        let digest: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37));
        let answer = libp2p_webrtc_utils::sdp::answer(
            "10.0.0.1:4003".parse().expect("a socket address"),
            libp2p_webrtc_utils::Fingerprint::raw(digest),
            "libp2p+webrtc+v1/x",
        );
        assert_eq!(fingerprint(&answer), Ok(digest));
    }

    #[test]
    fn other_hashes_and_malformed_fingerprints_are_refused() {
        // RFC 8122's example (section 5) is SHA-1: not what libp2p takes.
        let sha1 =
            "a=fingerprint:SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n";
        assert_eq!(
            fingerprint(sha1),
            Err(FingerprintError::Algorithm("SHA-1".into()))
        );
        assert_eq!(fingerprint("v=0\r\n"), Err(FingerprintError::Missing));
        let full = CHROMIUM_OFFER
            .split("\r\n")
            .find(|l| l.starts_with("a=fingerprint:"))
            .expect("a fingerprint line");
        for bad in [
            full.rsplit_once(':').expect("colons").0.to_owned(),
            format!("{full}:00"),
            full.replace("DF:", "DG:"),
            full.replace("DF:", "D:F"),
            "a=fingerprint:sha-256".to_owned(),
        ] {
            assert_eq!(fingerprint(&bad), Err(FingerprintError::Malformed), "{bad}");
        }
        // Hash names are case-insensitive.
        let upper = CHROMIUM_OFFER.replace("sha-256", "SHA-256");
        assert!(fingerprint(&upper).is_ok());
    }
}
