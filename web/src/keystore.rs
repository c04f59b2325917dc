//! The member's signing key at rest: sealed with AES-GCM under a WebCrypto
//! key that is generated non-extractable, so its bytes never exist in
//! JavaScript or in storage. IndexedDB keeps the `CryptoKey` object itself
//! (browsers store it opaquely) beside the sealed seed.

use hearth_core::Keypair;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, AesKeyGenParams, CryptoKey, SubtleCrypto};
use zeroize::Zeroizing;

const DB: &str = "hearth-keys";
const STORE: &str = "keys";
const RECORD: &str = "identity";
/// A key a rotation is about to install, kept until it is in force.
const NEXT: &str = "next";

/// Why the key could not be loaded or saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(e: impl std::fmt::Debug) -> KeyError {
    KeyError(format!("{e:?}"))
}

fn subtle() -> Result<SubtleCrypto, KeyError> {
    let crypto: web_sys::Crypto = Reflect::get(&js_sys::global(), &"crypto".into())
        .map_err(err)?
        .unchecked_into();
    Ok(crypto.subtle())
}

async fn open() -> Result<Database, KeyError> {
    Database::open(DB)
        .with_version(1u8)
        .with_on_upgrade_needed(|_, db| {
            db.create_object_store(STORE).build()?;
            Ok(())
        })
        .await
        .map_err(err)
}

/// The identity saved in this browser, if any.
pub async fn load() -> Result<Option<Keypair>, KeyError> {
    load_slot(RECORD).await
}

/// Saves `keypair` as this browser's identity, sealed under a new
/// non-extractable key.
pub async fn save(keypair: &Keypair) -> Result<(), KeyError> {
    save_slot(RECORD, keypair).await
}

/// Keeps the key a rotation is about to install, beside the identity.
pub async fn stage(keypair: &Keypair) -> Result<(), KeyError> {
    save_slot(NEXT, keypair).await
}

/// The key a rotation was about to install, if one was cut short.
pub async fn staged() -> Result<Option<Keypair>, KeyError> {
    load_slot(NEXT).await
}

/// Forgets the staged key (the rotation is done, or did not happen).
pub async fn unstage() -> Result<(), KeyError> {
    write_slot(NEXT, None).await
}

/// Writes `record` in `slot` (with `None`, deletes it), in one transaction.
async fn write_slot(slot: &str, record: Option<JsValue>) -> Result<(), KeyError> {
    let db = open().await?;
    let tx = db
        .transaction(STORE)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(err)?;
    let store = tx.object_store(STORE).map_err(err)?;
    match record {
        Some(r) => {
            store.put(r).with_key(slot).primitive().map_err(err)?;
        }
        None => {
            store.delete(slot).primitive().map_err(err)?;
        }
    }
    tx.commit().await.map_err(err)?;
    Ok(())
}

async fn load_slot(slot: &str) -> Result<Option<Keypair>, KeyError> {
    let db = open().await?;
    let tx = db.transaction(STORE).build().map_err(err)?;
    let store = tx.object_store(STORE).map_err(err)?;
    let record: Option<JsValue> = store
        .get::<JsValue, _, _>(slot)
        .primitive()
        .map_err(err)?
        .await
        .map_err(err)?;
    let Some(record) = record else {
        return Ok(None);
    };
    let key: CryptoKey = Reflect::get(&record, &"key".into())
        .map_err(err)?
        .unchecked_into();
    let iv: Uint8Array = Reflect::get(&record, &"iv".into())
        .map_err(err)?
        .unchecked_into();
    let sealed: Uint8Array = Reflect::get(&record, &"sealed".into())
        .map_err(err)?
        .unchecked_into();
    let params = AesGcmParams::new("AES-GCM", &iv);
    let opened = subtle()?
        .decrypt_with_object_and_buffer_source(&params, &key, &sealed)
        .map_err(err)?;
    let opened = JsFuture::from(opened)
        .await
        .map_err(|_| KeyError("the saved key does not open".into()))?;
    let seed = Zeroizing::new(Uint8Array::new(&opened).to_vec());
    let seed: &[u8; 32] = seed
        .as_slice()
        .try_into()
        .map_err(|_| KeyError("saved seed has the wrong size".into()))?;
    Ok(Some(Keypair::from_seed(seed)))
}

async fn save_slot(slot: &str, keypair: &Keypair) -> Result<(), KeyError> {
    let subtle = subtle()?;
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    let algorithm = AesKeyGenParams::new("AES-GCM", 256);
    let key = subtle
        .generate_key_with_object(&algorithm, false, &usages)
        .map_err(err)?;
    let key: CryptoKey = JsFuture::from(key).await.map_err(err)?.unchecked_into();
    let mut iv = [0u8; 12];
    hearth_node::Env::random_bytes(&hearth_node::SystemEnv, &mut iv);
    let iv = Uint8Array::from(iv.as_slice());
    let params = AesGcmParams::new("AES-GCM", &iv);
    let seed = keypair.seed();
    let plain = Uint8Array::from(seed.as_slice());
    let sealed = subtle
        .encrypt_with_object_and_buffer_source(&params, &key, &plain)
        .map_err(err)?;
    let sealed = Uint8Array::new(&JsFuture::from(sealed).await.map_err(err)?);
    plain.fill(0, 0, 32);
    let record = Object::new();
    Reflect::set(&record, &"key".into(), &key).map_err(err)?;
    Reflect::set(&record, &"iv".into(), &iv).map_err(err)?;
    Reflect::set(&record, &"sealed".into(), &sealed).map_err(err)?;
    write_slot(slot, Some(JsValue::from(record))).await
}
