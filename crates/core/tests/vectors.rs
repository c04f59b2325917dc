//! Hearth's primitives checked against vectors nobody here wrote: RFC 8032
//! (Ed25519), the W3C CCG did:key test vectors, BLAKE3's official
//! test_vectors.json and ipld/codec-fixtures (DAG-CBOR). Sources and commits:
//! tests/vectors/SOURCES.md.

use std::path::Path;

use hearth_core::identity::{Did, Keypair};
use hearth_core::sig::{self, Signature, SignatureError};
use ipld_core::ipld::Ipld;
use serde_json::Value;

fn vectors() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors"))
}

fn json(name: &str) -> Value {
    let text = std::fs::read_to_string(vectors().join(name)).expect("vector file");
    serde_json::from_str(&text).expect("vector json")
}

fn unhex(s: &Value) -> Vec<u8> {
    hex::decode(s.as_str().expect("hex string")).expect("hex")
}

#[test]
fn rfc8032_ed25519_vectors_sign_and_verify() {
    let cases = json("rfc8032_ed25519.json");
    let cases = cases.as_array().expect("array");
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let seed: [u8; 32] = unhex(&case["secret_key"]).try_into().expect("32");
        let public: [u8; 32] = unhex(&case["public_key"]).try_into().expect("32");
        let message = unhex(&case["message"]);
        let expected: [u8; 64] = unhex(&case["signature"]).try_into().expect("64");

        let kp = Keypair::from_seed(&seed);
        assert_eq!(kp.did().public_key(), &public, "{name}: public key");
        let sig = kp.sign(&message);
        assert_eq!(sig.to_bytes(), expected, "{name}: signature");
        let did = Did::from_public_key(public).expect("valid key");
        assert_eq!(
            sig::verify(&did, &message, &sig),
            Ok(()),
            "{name}: verifies"
        );

        let mut tampered = message.clone();
        tampered.push(0);
        assert_eq!(
            sig::verify(&did, &tampered, &sig),
            Err(SignatureError::Mismatch),
            "{name}"
        );
        // s + ℓ: the classic malleated signature must be refused as non-canonical.
        let mut malleated = expected;
        add_group_order(&mut malleated[32..]);
        assert_eq!(
            sig::verify(&did, &message, &Signature::from_bytes(malleated)),
            Err(SignatureError::NonCanonicalS),
            "{name}: s + l"
        );
    }
}

fn add_group_order(s: &mut [u8]) {
    let l = hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        .expect("hex");
    let mut carry = 0u16;
    for (a, b) in s.iter_mut().zip(l) {
        let sum = u16::from(*a) + u16::from(b) + carry;
        *a = sum as u8;
        carry = sum >> 8;
    }
}

#[test]
fn did_key_spec_vectors() {
    let cases = json("didkey_ed25519-x25519.json");
    let cases = cases.as_object().expect("object");
    assert_eq!(cases.len(), 5);
    for (did_text, case) in cases {
        let did: Did = did_text.parse().expect("spec DID parses");
        assert_eq!(&did.to_string(), did_text, "round trip");
        let seed: [u8; 32] = unhex(&case["seed"]).try_into().expect("32");
        assert_eq!(
            Keypair::from_seed(&seed).did(),
            did,
            "{did_text}: from seed"
        );
        if let Some(b58) = case["verificationKeyPair"]["publicKeyBase58"].as_str() {
            let (_, key) = multibase::decode(format!("z{b58}")).expect("base58");
            assert_eq!(key.as_slice(), did.public_key(), "{did_text}: key");
        }
    }
    for case in json("didkey_spec_examples.json").as_array().expect("array") {
        let did: Did = case["did"].as_str().expect("did").parse().expect("parses");
        assert_eq!(did.public_key().as_slice(), unhex(&case["public_key_hex"]));
    }
}

#[test]
fn blake3_official_vectors() {
    let v = json("blake3_test_vectors.json");
    let context = v["context_string"].as_str().expect("context");
    let cases = v["cases"].as_array().expect("cases");
    assert!(cases.len() > 30);
    for case in cases {
        let len = case["input_len"].as_u64().expect("len") as usize;
        let input: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let hash = unhex(&case["hash"]);
        assert_eq!(
            blake3::hash(&input).as_bytes(),
            &hash[..32],
            "hash len {len}"
        );
        let mut xof = vec![0u8; hash.len()];
        blake3::Hasher::new()
            .update(&input)
            .finalize_xof()
            .fill(&mut xof);
        assert_eq!(xof, hash, "xof len {len}");
        let derived = unhex(&case["derive_key"]);
        let mut out = vec![0u8; derived.len()];
        blake3::Hasher::new_derive_key(context)
            .update(&input)
            .finalize_xof()
            .fill(&mut out);
        assert_eq!(out, derived, "derive_key len {len}");
        // Op ids are BLAKE3 of the block: the id's digest must be the vector's.
        let id = hearth_core::OpId::of_block(&input);
        assert_eq!(id.digest(), &hash[..32]);
    }
}

#[test]
fn ipld_codec_fixtures_round_trip_byte_for_byte() {
    let dir = vectors().join("ipld-fixtures");
    let mut checked = 0;
    for fixture in std::fs::read_dir(&dir).expect("fixtures") {
        let fixture = fixture.expect("entry").path();
        for file in std::fs::read_dir(&fixture).expect("fixture dir") {
            let file = file.expect("entry").path();
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .expect("name")
                .to_owned();
            let Some(cid_text) = name.strip_suffix(".dag-cbor") else {
                continue;
            };
            let bytes = std::fs::read(&file).expect("read");
            let cid = cid::Cid::try_from(cid_text).expect("file name is a CID");
            assert_eq!(cid.codec(), 0x71, "{name}");
            assert_eq!(cid.hash().code(), 0x12, "fixtures use sha2-256");
            use sha2::Digest;
            assert_eq!(
                cid.hash().digest(),
                sha2::Sha256::digest(&bytes).as_slice(),
                "{name}"
            );

            let value: Ipld = serde_ipld_dagcbor::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{name} decodes: {e}"));
            let again = serde_ipld_dagcbor::to_vec(&value).expect("encodes");
            assert_eq!(
                again,
                bytes,
                "{}: re-encoding is byte-identical",
                fixture.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} fixtures");
}

#[test]
fn ipld_negative_fixtures_are_refused() {
    let path = vectors().join("ipld-negative/dag-cbor/decode/duplicate-keys.json");
    let cases: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    for case in cases.as_array().expect("array") {
        let bytes = unhex(&case["hex"]);
        let result: Result<Ipld, _> = serde_ipld_dagcbor::from_slice(&bytes);
        assert!(result.is_err(), "{} must be refused", case["name"]);
    }
    // Encodings the codec must refuse that the fixtures do not cover: a
    // non-minimal integer, an indefinite-length array, unsorted map keys.
    for (what, hex) in [
        ("non-minimal int 1 as 0x1801", "1801"),
        ("indefinite array", "9f01ff"),
        ("unsorted map keys (bb before a)", "a2626262016161 02"),
        (
            "float where an int would do is fine, but NaN is not",
            "f97e00",
        ),
    ] {
        let bytes = hex::decode(hex.replace(' ', "")).expect("hex");
        let result: Result<Ipld, _> = serde_ipld_dagcbor::from_slice(&bytes);
        assert!(result.is_err(), "{what} must be refused");
    }
}
