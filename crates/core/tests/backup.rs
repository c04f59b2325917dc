//! Passphrase-sealed backups: the key stretch and the cipher against
//! published vectors, the file pinned as a fixture, and every way a file can
//! be wrong refused with a typed error.

use std::path::PathBuf;

use hearth_core::backup::{
    self, Backup, BackupError, KdfParams, aead_open, aead_seal, derive_key, from_text, join_parts,
    qr_parts, to_text,
};
use hearth_core::{Keypair, SpaceId};
use proptest::prelude::*;

/// Cheap parameters for tests that open many files (the default is tested once).
const FAST: KdfParams = KdfParams {
    m_kib: 256,
    t: 1,
    p: 1,
};
const PASSPHRASE: &str = "correct horse battery staple";

fn sample() -> Backup {
    Backup {
        keypair: Keypair::from_seed(&[0x42; 32]),
        spaces: vec![
            SpaceId::derive(&[1; 32], b"tool library"),
            SpaceId::derive(&[2; 32], b"food co-op"),
        ],
        relays: vec!["/dns4/relay.example/tcp/443/wss/p2p/12D3KooWExample".into()],
        created_ms: 1_764_000_000_000,
    }
}

fn sealed(params: KdfParams) -> Vec<u8> {
    backup::seal(&sample(), PASSPHRASE, params, [7; 16], [9; 24]).expect("seal")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The reference implementation's argon2id tests (phc-winner-argon2,
/// src/test.c, version 0x13): password "password", salt "somesalt".
#[test]
fn argon2id_matches_the_reference_implementation() {
    let cases = [
        (
            KdfParams {
                m_kib: 256,
                t: 2,
                p: 1,
            },
            "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe",
        ),
        (
            KdfParams {
                m_kib: 256,
                t: 2,
                p: 2,
            },
            "6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037",
        ),
        (
            KdfParams::DEFAULT,
            "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
        ),
    ];
    for (params, tag) in cases {
        let key = derive_key(b"password", b"somesalt", params).expect("derive");
        assert_eq!(key.to_vec(), hex(tag), "{params:?}");
    }
}

/// draft-irtf-cfrg-xchacha-03, appendix A.3.1.
#[test]
fn xchacha20poly1305_matches_the_draft_vector() {
    let key: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
    let nonce: [u8; 24] = std::array::from_fn(|i| 0x40 + i as u8);
    let aad = hex("50515253c0c1c2c3c4c5c6c7");
    let plain = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    let expected = hex(concat!(
        "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb",
        "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452",
        "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9",
        "21f9664c97637da9768812f615c68b13b52e",
        "c0875924c1c7987947deafd8780acf49"
    ));
    let sealed = aead_seal(&key, &nonce, &aad, plain);
    assert_eq!(sealed, expected);
    assert_eq!(
        aead_open(&key, &nonce, &aad, &sealed)
            .expect("opens")
            .as_slice(),
        plain
    );
    assert_eq!(
        aead_open(&key, &nonce, b"", &sealed).map(|_| ()),
        Err(BackupError::WrongPassphraseOrTampered)
    );
}

/// The file format, pinned (regenerate deliberately with
/// `HEARTH_BLESS=1 cargo test -p hearth-core --test backup`).
#[test]
fn the_file_format_is_pinned() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/backup-v1.hex"
    ));
    let bytes = sealed(FAST);
    let text = format!(
        "{}\n",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    if std::env::var_os("HEARTH_BLESS").is_some() {
        std::fs::write(&path, &text).expect("bless");
    }
    let pinned = std::fs::read_to_string(&path).expect("fixture present");
    assert_eq!(pinned, text, "the backup format changed");
    assert_eq!(&bytes[..9], b"HEARTHBK\x01");
    assert_eq!(backup::params_of(&bytes), Ok(FAST));
    let opened = backup::open(&hex(pinned.trim()), PASSPHRASE).expect("the pinned file opens");
    assert_eq!(opened.keypair.did(), sample().keypair.did());
    assert_eq!(opened.spaces, sample().spaces);
    assert_eq!(opened.relays, sample().relays);
    assert_eq!(opened.created_ms, sample().created_ms);
}

#[test]
fn the_default_parameters_round_trip() {
    let bytes = sealed(KdfParams::DEFAULT);
    assert_eq!(backup::params_of(&bytes), Ok(KdfParams::DEFAULT));
    let opened = backup::open(&bytes, PASSPHRASE).expect("opens");
    assert_eq!(opened.keypair.seed(), sample().keypair.seed());
}

#[test]
fn a_wrong_passphrase_is_refused() {
    let bytes = sealed(FAST);
    let err = backup::open(&bytes, "correct horse battery stapler").expect_err("wrong");
    assert_eq!(err, BackupError::WrongPassphraseOrTampered);
    assert!(err.to_string().contains("passphrase is wrong"), "{err}");
}

#[test]
fn every_changed_byte_is_refused() {
    let bytes = sealed(FAST);
    for at in 0..bytes.len() {
        let mut changed = bytes.clone();
        changed[at] ^= 0x01;
        let err = backup::open(&changed, PASSPHRASE).expect_err("a changed file opens");
        let expected = match at {
            0..8 => matches!(err, BackupError::NotABackup),
            8 | 9 | 38 => matches!(err, BackupError::Unsupported(_)),
            // A lane more than memory allows, or just different costs.
            _ => matches!(
                err,
                BackupError::WrongPassphraseOrTampered | BackupError::Parameters(_)
            ),
        };
        assert!(expected, "byte {at}: {err:?}");
    }
}

#[test]
fn every_truncation_is_refused() {
    let bytes = sealed(FAST);
    for len in 0..bytes.len() {
        let err = backup::open(&bytes[..len], PASSPHRASE).expect_err("a short file opens");
        let expected = match len {
            0..8 => matches!(err, BackupError::NotABackup),
            8..79 => matches!(err, BackupError::Truncated(n) if n == len),
            _ => matches!(err, BackupError::WrongPassphraseOrTampered),
        };
        assert!(expected, "length {len}: {err:?}");
    }
}

#[test]
fn unreasonable_costs_are_refused_before_any_work() {
    let mut bytes = sealed(FAST);
    // 4 GiB of memory: refused from the header alone.
    bytes[10..14].copy_from_slice(&u32::MAX.to_be_bytes());
    let err = backup::open(&bytes, PASSPHRASE).expect_err("huge memory");
    assert!(
        matches!(err, BackupError::Parameters(ref m) if m.contains("KiB")),
        "{err:?}"
    );
    bytes[10..14].copy_from_slice(&256u32.to_be_bytes());
    bytes[14..18].copy_from_slice(&1000u32.to_be_bytes());
    let err = backup::open(&bytes, PASSPHRASE).expect_err("many passes");
    assert!(
        matches!(err, BackupError::Parameters(ref m) if m.contains("passes")),
        "{err:?}"
    );
}

#[test]
fn the_largest_costs_allowed_are_bounded() {
    let max = KdfParams {
        m_kib: KdfParams::MAX_M_KIB,
        t: 2,
        p: KdfParams::MAX_P,
    };
    assert_eq!(max.validate(), Ok(()));
    for over in [
        KdfParams {
            m_kib: KdfParams::MAX_M_KIB + 1,
            t: 1,
            p: 1,
        },
        KdfParams {
            m_kib: KdfParams::MAX_M_KIB,
            t: 3,
            p: 1,
        },
        KdfParams {
            m_kib: 1024,
            t: KdfParams::MAX_T + 1,
            p: 1,
        },
        KdfParams {
            m_kib: 1024,
            t: 1,
            p: KdfParams::MAX_P + 1,
        },
    ] {
        assert!(
            matches!(over.validate(), Err(BackupError::Parameters(_))),
            "{over:?}"
        );
    }
}

#[test]
fn the_same_passphrase_typed_composed_or_decomposed_opens_the_backup() {
    let composed = "crème brûlée à la maison";
    let decomposed = "cre\u{300}me bru\u{302}le\u{301}e a\u{300} la maison";
    assert_ne!(composed.as_bytes(), decomposed.as_bytes());
    let bytes = backup::seal(&sample(), composed, FAST, [7; 16], [9; 24]).expect("seal");
    let opened = backup::open(&bytes, decomposed).expect("the same words open it");
    assert_eq!(opened.keypair.did(), sample().keypair.did());
}

#[test]
fn a_short_passphrase_is_refused() {
    let err = backup::seal(&sample(), "short", FAST, [7; 16], [9; 24]).expect_err("weak");
    assert_eq!(err, BackupError::WeakPassphrase);
}

#[test]
fn text_and_qr_parts_carry_the_file() {
    let bytes = sealed(FAST);
    let text = to_text(&bytes);
    assert!(text.starts_with("hearth-backup-1:"));
    assert_eq!(from_text(&format!("  {text}\n")), Ok(bytes.clone()));

    let parts = qr_parts(&bytes, 64);
    assert!(parts.len() > 2, "{}", parts.len());
    assert!(parts[0].starts_with(&format!("hb1:1/{}:", parts.len())));
    let mut shuffled: Vec<&str> = parts.iter().map(String::as_str).rev().collect();
    shuffled.push(parts[1].as_str());
    assert_eq!(join_parts(&shuffled), Ok(bytes.clone()));
    assert_eq!(from_text(&parts.join("\n")), Ok(bytes.clone()));

    let without_two: Vec<&str> = parts
        .iter()
        .map(String::as_str)
        .filter(|p| !p.starts_with("hb1:2/"))
        .collect();
    let err = join_parts(&without_two).expect_err("missing");
    assert!(
        err.to_string().contains("1 of") && err.to_string().contains("(2)"),
        "{err}"
    );

    // A part claiming a huge sequence is refused at once.
    let huge = join_parts(&["hb1:1/99999999999999:00000000:AAAA"]).expect_err("huge");
    assert!(huge.to_string().contains("not a part number"), "{huge}");

    let other = qr_parts(
        &backup::seal(&sample(), PASSPHRASE, FAST, [8; 16], [9; 24]).expect("seal"),
        64,
    );
    let mixed = [parts[0].as_str(), other[1].as_str()];
    let err = join_parts(&mixed).expect_err("mixed");
    assert!(err.to_string().contains("different backups"), "{err}");

    let mut damaged = text.clone();
    damaged.push('!');
    assert!(matches!(from_text(&damaged), Err(BackupError::Text(_))));
    assert!(matches!(
        from_text("not a backup"),
        Err(BackupError::Text(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_file_survives_text_and_parts(bytes in proptest::collection::vec(any::<u8>(), 0..600), size in 16usize..300) {
        prop_assert_eq!(from_text(&to_text(&bytes)), Ok(bytes.clone()));
        let parts = qr_parts(&bytes, size);
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        prop_assert_eq!(join_parts(&refs), Ok(bytes));
    }

    #[test]
    fn any_contents_round_trip(seed in any::<[u8; 32]>(), relays in proptest::collection::vec("[a-z0-9/.]{1,40}", 0..4), created in any::<u64>()) {
        let b = Backup { keypair: Keypair::from_seed(&seed), spaces: vec![SpaceId::derive(&seed, b"x")], relays, created_ms: created };
        let bytes = backup::seal(&b, PASSPHRASE, FAST, [1; 16], [2; 24]).expect("seal");
        let opened = backup::open(&bytes, PASSPHRASE).expect("open");
        prop_assert_eq!(opened.keypair.did(), b.keypair.did());
        prop_assert_eq!(opened.spaces, b.spaces);
        prop_assert_eq!(opened.relays, b.relays);
        prop_assert_eq!(opened.created_ms, b.created_ms);
    }
}

#[test]
fn even_no_bytes_split_into_qr_parts_join_again() {
    let parts = qr_parts(&[], 100);
    assert_eq!(parts.len(), 1);
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    assert_eq!(join_parts(&refs), Ok(vec![]));
}
