//! Verifiable Credentials (W3C VC Data Model 2.0) secured with a Data
//! Integrity proof of the `eddsa-jcs-2022` cryptosuite: the document and the
//! proof's options are each canonicalized by JCS (RFC 8785) and hashed with
//! SHA-256; the issuer's Ed25519 key signs the two hashes, proof options'
//! first.
//!
//! Hearth issues membership credentials: a member states, under their own
//! key, that a DID is a member of a chapter, naming the op that admitted
//! them, so anyone holding the chapter's log can check the claim, and anyone
//! at all can check who made it.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::chapter::Chapter;
use crate::identity::{Did, Keypair};
use crate::ids::SpaceId;
use crate::sig::Signature;

/// The VC 2.0 base context.
pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The one cryptosuite Hearth signs and verifies.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// Why a credential could not be issued or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// Not a JSON object, or a required member is missing or mistyped.
    #[error("not a credential: {0}")]
    Malformed(String),
    /// A proof of another kind than Hearth verifies.
    #[error("unsupported proof: {0}")]
    Unsupported(String),
    /// The proof's verification method is not a did:key Hearth can read.
    #[error("the proof's verification method is not an Ed25519 did:key: {0}")]
    VerificationMethod(String),
    /// The signature does not match: the credential was changed, or not
    /// signed by the key it names.
    #[error("the signature does not match the credential")]
    BadSignature,
    /// The credential names another issuer than the key that signed it.
    #[error("the credential names {issuer} as its issuer, but {signer} signed it")]
    IssuerMismatch {
        /// The `issuer` the credential names.
        issuer: String,
        /// Whose key made the proof.
        signer: String,
    },
    /// The DID is not a member of the chapter.
    #[error("{0} is not a member of this chapter")]
    NotAMember(String),
}

fn malformed(what: &str) -> CredentialError {
    CredentialError::Malformed(what.to_owned())
}

/// The JCS (RFC 8785) form of `value`.
pub fn canonical(value: &Value) -> Result<String, CredentialError> {
    serde_jcs::to_string(value).map_err(|e| CredentialError::Malformed(e.to_string()))
}

/// What the key signs: SHA-256 of the canonical proof options, then of the
/// canonical document.
pub fn hash_data(proof_options: &Value, document: &Value) -> Result<[u8; 64], CredentialError> {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonical(proof_options)?.as_bytes()));
    out[32..].copy_from_slice(&Sha256::digest(canonical(document)?.as_bytes()));
    Ok(out)
}

/// A did:key verification method: the DID, `#`, its key.
pub fn verification_method(did: &Did) -> String {
    format!("{did}#{}", did.method_specific_id())
}

/// Secures `document` (a JSON object without a proof) with a proof by
/// `keypair`, made at `created` (an XML Schema dateTime, e.g.
/// `2026-12-01T12:00:00Z`).
pub fn sign(document: &Value, keypair: &Keypair, created: &str) -> Result<Value, CredentialError> {
    let doc = document
        .as_object()
        .ok_or_else(|| malformed("not a JSON object"))?;
    if doc.contains_key("proof") {
        return Err(malformed("the document already has a proof"));
    }
    let mut options = Map::new();
    options.insert("type".into(), "DataIntegrityProof".into());
    options.insert("cryptosuite".into(), CRYPTOSUITE.into());
    options.insert("created".into(), created.into());
    options.insert(
        "verificationMethod".into(),
        verification_method(&keypair.did()).into(),
    );
    options.insert("proofPurpose".into(), "assertionMethod".into());
    if let Some(context) = doc.get("@context") {
        options.insert("@context".into(), context.clone());
    }
    let options = Value::Object(options);
    let signature = keypair.sign(&hash_data(&options, document)?);
    let mut proof = options;
    if let Value::Object(p) = &mut proof {
        p.insert(
            "proofValue".into(),
            multibase::encode(multibase::Base::Base58Btc, signature.to_bytes()).into(),
        );
    }
    let mut secured = doc.clone();
    secured.insert("proof".into(), proof);
    Ok(Value::Object(secured))
}

/// Verifies a secured document's `eddsa-jcs-2022` proof; returns the DID
/// whose key made it.
pub fn verify(secured: &Value) -> Result<Did, CredentialError> {
    let doc = secured
        .as_object()
        .ok_or_else(|| malformed("not a JSON object"))?;
    let proof = match doc.get("proof") {
        Some(Value::Object(p)) => p,
        Some(Value::Array(_)) => {
            return Err(CredentialError::Unsupported(
                "a set of several proofs".into(),
            ));
        }
        _ => return Err(malformed("no proof")),
    };
    let text = |key: &str| {
        proof
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| CredentialError::Malformed(format!("the proof has no {key}")))
    };
    if text("type")? != "DataIntegrityProof" {
        return Err(CredentialError::Unsupported(format!(
            "type {}",
            text("type")?
        )));
    }
    if text("cryptosuite")? != CRYPTOSUITE {
        return Err(CredentialError::Unsupported(format!(
            "cryptosuite {}",
            text("cryptosuite")?
        )));
    }
    if text("proofPurpose")? != "assertionMethod" {
        return Err(CredentialError::Unsupported(format!(
            "proof purpose {} (a credential's is assertionMethod)",
            text("proofPurpose")?
        )));
    }
    let method = text("verificationMethod")?;
    let (did_text, fragment) = method
        .split_once('#')
        .ok_or_else(|| CredentialError::VerificationMethod(method.to_owned()))?;
    let did: Did = did_text
        .parse()
        .map_err(|_| CredentialError::VerificationMethod(method.to_owned()))?;
    if fragment != did.method_specific_id() {
        return Err(CredentialError::VerificationMethod(method.to_owned()));
    }
    let proof_value = text("proofValue")?;
    if !proof_value.starts_with('z') {
        return Err(malformed("proofValue is not base58-btc multibase"));
    }
    let (_, bytes) = multibase::decode(proof_value)
        .map_err(|e| CredentialError::Malformed(format!("proofValue: {e}")))?;
    let bytes: [u8; 64] = bytes
        .try_into()
        .map_err(|_| malformed("proofValue is not a 64-byte signature"))?;
    let mut unsecured = doc.clone();
    unsecured.remove("proof");
    // The proof options' context must begin the document's; the document
    // is then hashed with the options' context (later additions are not
    // signed). A single context may be a string.
    if let Some(wanted) = proof.get("@context") {
        let list = |v: &Value| match v {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        let wanted = list(wanted);
        let has = unsecured.get("@context").map(list).unwrap_or_default();
        if !has.starts_with(&wanted) {
            return Err(malformed(
                "the proof's @context does not begin the document's",
            ));
        }
        unsecured.insert("@context".into(), proof["@context"].clone());
    }
    let mut options = proof.clone();
    options.remove("proofValue");
    let data = hash_data(&Value::Object(options), &Value::Object(unsecured))?;
    did.verify(&data, &Signature::from_bytes(bytes))
        .map_err(|_| CredentialError::BadSignature)?;
    Ok(did)
}

/// Verifies a credential: its proof (see [`verify`]), and that the key that
/// made the proof is the `issuer` it names. Returns the issuer.
pub fn verify_credential(secured: &Value) -> Result<Did, CredentialError> {
    let signer = verify(secured)?;
    let issuer = match &secured["issuer"] {
        Value::String(s) => s.as_str(),
        other => other["id"].as_str().unwrap_or_default(),
    };
    if issuer != signer.to_string() {
        return Err(CredentialError::IssuerMismatch {
            issuer: issuer.to_owned(),
            signer: signer.to_string(),
        });
    }
    Ok(signer)
}

/// An XML Schema dateTime (UTC, whole seconds) for `ms` since the Unix epoch.
pub fn date_time(ms: u64) -> String {
    // The receipt's ISO 8601 time, without its milliseconds.
    let full = crate::gov::receipt::iso8601(ms);
    match full.rsplit_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => full,
    }
}

/// What a Hearth membership credential claims: the chapter and the member.
/// `None` for any other credential.
pub fn membership_claim(credential: &Value) -> Option<(SpaceId, Did)> {
    let subject = &credential["credentialSubject"];
    let chapter = subject["memberOf"]["id"]
        .as_str()?
        .strip_prefix("urn:hearth:space:")?
        .parse()
        .ok()?;
    let member = subject["id"].as_str()?.parse().ok()?;
    Some((chapter, member))
}

/// Whether `member` is a current member of `chapter`.
pub fn is_current_member(chapter: &Chapter, member: &Did) -> bool {
    chapter.members.get(member).is_some_and(|m| m.is_current())
}

/// An unsigned membership credential: `issuer` states that `member` is a
/// member of `chapter`, at `issued_ms`.
pub fn membership(
    chapter: &Chapter,
    member: &Did,
    issuer: &Did,
    issued_ms: u64,
) -> Result<Value, CredentialError> {
    let record = chapter
        .members
        .get(member)
        .filter(|m| m.is_current())
        .ok_or_else(|| CredentialError::NotAMember(member.to_string()))?;
    let roles: Vec<&String> = record.roles.iter().collect();
    Ok(json!({
        "@context": [VC_CONTEXT],
        "id": format!("urn:hearth:membership:{}:{}", chapter.id, member.method_specific_id()),
        "type": ["VerifiableCredential", "HearthMembershipCredential"],
        "name": format!("Member of {}", chapter.name),
        "issuer": issuer.to_string(),
        "validFrom": date_time(issued_ms),
        "credentialSubject": {
            "id": member.to_string(),
            "memberOf": {
                "id": format!("urn:hearth:space:{}", chapter.id),
                "name": chapter.name,
            },
            "memberSince": date_time(record.joined_at),
            "tier": format!("{:?}", record.tier).to_lowercase(),
            "roles": roles,
            "admittedBy": format!("urn:hearth:op:{}", record.admitted_by),
        },
    }))
}
