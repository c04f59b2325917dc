//! Verifiable Credentials with `eddsa-jcs-2022` proofs, against the W3C
//! vc-di-eddsa test vectors, and Hearth's membership credentials.

use hearth_core::chapter::{Founding, Template};
use hearth_core::credential::{
    self, CredentialError, canonical, date_time, hash_data, sign, verify,
};
use hearth_core::{Did, Keypair};
use serde_json::Value;

mod support;

fn vector(name: &str) -> String {
    let path = format!(
        "{}/tests/vectors/vc-di-eddsa/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&vector(name)).expect("json")
}

/// The vectors' key: `privateKeyMultibase` is the multicodec ed25519-priv
/// (0x1300, varint 80 26) seed in base58btc.
fn vector_key() -> Keypair {
    let pair = json("keyPair.json");
    let (_, bytes) =
        multibase::decode(pair["privateKeyMultibase"].as_str().expect("key")).expect("multibase");
    assert_eq!(&bytes[..2], &[0x80, 0x26], "ed25519-priv multicodec");
    let seed: [u8; 32] = bytes[2..].try_into().expect("32-byte seed");
    let keypair = Keypair::from_seed(&seed);
    let public = pair["publicKeyMultibase"].as_str().expect("public");
    assert_eq!(keypair.did().method_specific_id(), public);
    keypair
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn canonical_forms_and_hashes_match_the_vectors() {
    let unsigned = json("unsigned.json");
    assert_eq!(
        canonical(&unsigned).expect("jcs"),
        vector("canonDocJCS.txt").trim()
    );
    let options = json("proofConfigJCS.json");
    assert_eq!(
        canonical(&options).expect("jcs"),
        vector("proofCanonJCS.txt").trim()
    );
    let data = hash_data(&options, &unsigned).expect("hash");
    assert_eq!(hex(&data), vector("combinedHashJCS.txt").trim());
    assert_eq!(hex(&data[32..]), vector("docHashJCS.txt").trim());
}

#[test]
fn signing_the_vector_document_gives_the_vector_proof() {
    let key = vector_key();
    let created = json("proofConfigJCS.json")["created"]
        .as_str()
        .expect("created")
        .to_owned();
    let signed = sign(&json("unsigned.json"), &key, &created).expect("sign");
    assert_eq!(
        signed["proof"]["proofValue"].as_str(),
        Some(vector("sigBTC58JCS.txt").trim())
    );
    assert_eq!(signed, json("signedJCS.json"));
}

#[test]
fn the_vector_credential_verifies_and_any_change_is_caught() {
    let signed = json("signedJCS.json");
    assert_eq!(verify(&signed), Ok(vector_key().did()));

    let mut changed = signed.clone();
    changed["credentialSubject"]["alumniOf"] = "Another School".into();
    assert_eq!(verify(&changed), Err(CredentialError::BadSignature));

    let mut later = signed.clone();
    later["proof"]["created"] = "2024-02-24T23:36:38Z".into();
    assert_eq!(verify(&later), Err(CredentialError::BadSignature));

    let mut other_key = signed.clone();
    let stranger = Keypair::from_seed(&[9; 32]).did();
    other_key["proof"]["verificationMethod"] = credential::verification_method(&stranger).into();
    assert_eq!(verify(&other_key), Err(CredentialError::BadSignature));

    let mut suite = signed.clone();
    suite["proof"]["cryptosuite"] = "eddsa-rdfc-2022".into();
    assert!(matches!(
        verify(&suite),
        Err(CredentialError::Unsupported(_))
    ));

    let mut purpose = signed.clone();
    purpose["proof"]["proofPurpose"] = "authentication".into();
    assert!(matches!(
        verify(&purpose),
        Err(CredentialError::Unsupported(_))
    ));

    let mut base64 = signed.clone();
    base64["proof"]["proofValue"] = "mAAAA".into();
    assert!(matches!(
        verify(&base64),
        Err(CredentialError::Malformed(_))
    ));

    // A context added after signing is not signed over: still valid. One
    // that no longer begins with the signed context is refused.
    let mut extended = signed.clone();
    extended["@context"]
        .as_array_mut()
        .expect("list")
        .push("https://example.org/more/v1".into());
    assert_eq!(verify(&extended), Ok(vector_key().did()));
    let mut reordered = signed.clone();
    reordered["@context"]
        .as_array_mut()
        .expect("list")
        .reverse();
    assert!(matches!(
        verify(&reordered),
        Err(CredentialError::Malformed(_))
    ));

    // The vector names an issuer that is not its signing key.
    assert!(matches!(
        credential::verify_credential(&signed),
        Err(CredentialError::IssuerMismatch { .. })
    ));

    let mut no_proof = signed;
    no_proof.as_object_mut().expect("object").remove("proof");
    assert!(matches!(
        verify(&no_proof),
        Err(CredentialError::Malformed(_))
    ));
    assert!(matches!(
        verify(&Value::from(3)),
        Err(CredentialError::Malformed(_))
    ));
}

#[test]
fn date_times_are_utc_whole_seconds() {
    assert_eq!(date_time(0), "1970-01-01T00:00:00Z");
    assert_eq!(date_time(1_677_281_798_000), "2023-02-24T23:36:38Z");
    assert_eq!(date_time(951_782_400_000), "2000-02-29T00:00:00Z");
    assert_eq!(date_time(4_107_542_399_999), "2100-02-28T23:59:59Z");
    assert_eq!(date_time(253_402_300_800_000), "10000-01-01T00:00:00Z");
}

#[test]
fn a_membership_credential_is_signed_by_the_issuing_member() {
    let founder = support::key(1);
    let space = support::Space::found(
        &founder,
        Some(Founding {
            charter: Template::SmallCooperative.charter("Lend tools"),
            founders: vec![],
        }),
    );
    let chapter = space.view.chapter();
    let me = founder.did();
    let unsigned = credential::membership(chapter, &me, &me, 1_764_000_000_000).expect("member");
    assert_eq!(
        unsigned["credentialSubject"]["memberOf"]["name"],
        chapter.name
    );
    assert_eq!(unsigned["credentialSubject"]["id"], me.to_string());
    assert_eq!(unsigned["validFrom"], "2025-11-24T16:00:00Z");
    let signed = sign(&unsigned, &founder, "2025-11-24T16:00:00Z").expect("sign");
    assert_eq!(verify(&signed), Ok(me));
    assert_eq!(credential::verify_credential(&signed), Ok(me));

    // A string context, signed and checked.
    let mut single = unsigned.clone();
    single["@context"] = credential::VC_CONTEXT.into();
    let signed_single = sign(&single, &founder, "2025-11-24T16:00:00Z").expect("sign");
    assert_eq!(verify(&signed_single), Ok(me));

    let stranger: Did = Keypair::from_seed(&[0x77; 32]).did();
    assert_eq!(
        credential::membership(chapter, &stranger, &me, 0),
        Err(CredentialError::NotAMember(stranger.to_string()))
    );
}
