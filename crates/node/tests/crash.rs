#![cfg(not(target_arch = "wasm32"))]
//! Crash safety: a writer process is killed (SIGKILL) in the middle of bulk
//! ingest, again and again. After each kill, everything it acknowledged is
//! there, nothing half-written is, and the views agree with the ops.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use hearth_node::{FixedEnv, Node};
use hearth_store::suite::run_ready;
use hearth_store::{RedbStore, Store};

const BATCH: usize = 400;
const BATCHES: usize = 60;

/// The writer, run as a child process by `killed_writers_lose_nothing_acknowledged`.
#[test]
#[ignore = "run by the crash test as a child process"]
fn crash_writer_child() {
    let dir = std::env::var("HEARTH_CRASH_DIR").expect("HEARTH_CRASH_DIR");
    let store = RedbStore::open(std::path::Path::new(&dir).join("hearth.redb")).expect("open");
    let node = run_ready(Node::open(
        store,
        None,
        Box::new(FixedEnv::new(1_800_000_000_000)),
    ))
    .expect("node");
    let blocks = hearth_node::testkit::workload(BATCH * BATCHES, 7);
    for batch in blocks.chunks(BATCH) {
        run_ready(node.ingest(batch.to_vec(), |_| {})).expect("ingest");
        // Acknowledged only now: the batch's commit has returned.
        let ops = run_ready(node.counts()).expect("counts").ops;
        println!("ACK {ops}");
    }
    println!("DONE");
}

#[test]
fn killed_writers_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("hearth.redb");
    let mut acked = 0u64;
    for round in 0..4u64 {
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .args([
                "--exact",
                "crash_writer_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("HEARTH_CRASH_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn writer");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Let it acknowledge a few batches (more each round), then kill it
        // a little later, most likely in the middle of the next batch.
        let wanted = 2 + 3 * round;
        let mut seen = 0;
        let mut done = false;
        while seen < wanted {
            let Some(line) = lines.next() else { break };
            let line = line.expect("line");
            if let Some(n) = line.strip_prefix("ACK ") {
                acked = acked.max(n.parse().expect("count"));
                seen += 1;
            } else if line == "DONE" {
                done = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(3 + 7 * round));
        child.kill().expect("kill");
        child.wait().expect("reap");
        // Anything it printed before dying was acknowledged too.
        for line in lines.map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("ACK ") {
                acked = acked.max(n.parse().expect("count"));
            }
        }

        let mut store = RedbStore::open(&path).expect("reopen after kill");
        assert!(
            store.check_integrity().expect("integrity check"),
            "round {round}"
        );
        let ops = run_ready(store.counts()).expect("counts").ops;
        assert!(
            ops >= acked,
            "round {round}: {ops} stored < {acked} acknowledged"
        );
        assert_eq!(
            ops % BATCH as u64,
            0,
            "round {round}: a partial batch of {ops} ops is visible"
        );
        let node = run_ready(Node::open(
            store,
            None,
            Box::new(FixedEnv::new(1_800_000_000_000)),
        ))
        .expect("node");
        let spaces = node.spaces();
        assert_eq!(spaces.len(), 1);
        let view = &spaces[0];
        assert_eq!(
            view.op_count, ops,
            "round {round}: snapshot and ops disagree"
        );
        assert_eq!(
            run_ready(node.rebuild_view(&view.id())).expect("rebuild"),
            *view
        );
        let vv = run_ready(node.store().version_vector(&view.id())).expect("vv");
        assert_eq!(vv.op_count(), ops, "round {round}: logs are contiguous");
        if done {
            break;
        }
    }
    assert!(acked > 0);
}
