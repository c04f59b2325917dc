//! Hearth's signature verifier as a WebAssembly module that imports nothing,
//! for a browser Web Worker: the page's node sends it packed batches
//! ([`hearth_core::sig::packed`]) and verifies on a second core while it
//! validates and stores the previous chunk.
//!
//! The protocol, driven by a few lines of JavaScript in the worker:
//! 1. `hearth_verifier_input(len)` returns where to write `len` bytes;
//! 2. `hearth_verifier_run()` verifies them and returns the number of
//!    verdict bytes, or -1 if the bytes are not a packed batch;
//! 3. `hearth_verifier_output()` returns where those verdict bytes are.
//!
//! Nothing else is exported besides the module's memory, and nothing is
//! imported: the worker instantiates it with an empty import object.

use std::cell::RefCell;

use hearth_core::sig::packed;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Makes room for an input of `len` bytes and returns its address in this
/// module's memory.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn hearth_verifier_input(len: usize) -> *mut u8 {
    INPUT.with_borrow_mut(|input| {
        input.clear();
        input.resize(len, 0);
        input.as_mut_ptr()
    })
}

/// Verifies the input written at [`hearth_verifier_input`]'s address;
/// returns how many verdict bytes [`hearth_verifier_output`] holds, or -1
/// when the input is not a packed batch.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn hearth_verifier_run() -> isize {
    let verdicts = INPUT.with_borrow(|input| packed::verify_packed(input));
    match verdicts {
        Ok(verdicts) => {
            let n = verdicts.len() as isize;
            OUTPUT.set(verdicts);
            n
        }
        Err(_) => -1,
    }
}

/// The address of the last run's verdict bytes.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn hearth_verifier_output() -> *const u8 {
    OUTPUT.with_borrow(|output| output.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::Keypair;
    use hearth_core::sig::BatchItem;

    /// The exports, driven as the worker drives them (through the buffers,
    /// not raw memory, which only a wasm host has).
    #[test]
    fn exports_verify_what_is_written() {
        let kp = Keypair::from_seed(&[5; 32]);
        let did = kp.did();
        let (good, bad) = (kp.sign(b"one"), kp.sign(b"two"));
        let items = [
            BatchItem {
                signer: &did,
                message: b"one",
                signature: &good,
            },
            BatchItem {
                signer: &did,
                message: b"one",
                signature: &bad,
            },
        ];
        let bytes = packed::pack(&items, [3; 32]);
        hearth_verifier_input(bytes.len());
        INPUT.with_borrow_mut(|input| input.copy_from_slice(&bytes));
        assert_eq!(hearth_verifier_run(), 2);
        let verdicts = OUTPUT.with_borrow(|o| {
            assert_eq!(o.as_ptr(), hearth_verifier_output());
            o.clone()
        });
        assert_eq!(verdicts, vec![0, 5]);
        INPUT.with_borrow_mut(|input| input[0] = 7);
        assert_eq!(hearth_verifier_run(), -1);
    }
}
