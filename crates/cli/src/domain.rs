//! What the chapter, charter and governance commands share.

use anyhow::{Context, Result};
use hearth_core::SpaceId;
use hearth_core::chapter::charter::ParamValue;
use hearth_core::chapter::{Chapter, ChapterOp};
use hearth_core::op::Body;
use hearth_core::space::SpaceView;
use hearth_node::Node;
use hearth_store::RedbStore;
use hearth_store::suite::run_ready;

/// A day, in ms.
pub const DAY: u64 = 24 * 60 * 60 * 1000;

/// Now, by this machine's clock, in ms.
pub fn now_ms() -> u64 {
    hearth_node::Env::now_ms(&hearth_node::SystemEnv)
}

/// The space's view, or a clear error when this node does not hold it.
pub fn view(node: &Node<RedbStore>, id: &SpaceId) -> Result<SpaceView> {
    node.space(id)
        .with_context(|| format!("no chapter {id} here (sync it first)"))
}

/// The member this node's key acts for in `chapter` (its own DID, unless
/// it is a device or a later key of a member).
pub fn me(node: &Node<RedbStore>, chapter: &SpaceId) -> Result<hearth_core::Did> {
    let key = node
        .identity()
        .context("no identity here: run `hearth id new`, or name the member")?
        .did();
    Ok(node.space(chapter).map_or(key, |v| v.member_of(&key)))
}

/// The chapter as this node folds it now.
pub fn chapter_of(node: &Node<RedbStore>, id: &SpaceId) -> Result<Chapter> {
    Ok(view(node, id)?.chapter().clone())
}

/// Makes an op of this node's identity in `chapter` and prints its id.
pub fn write(node: &Node<RedbStore>, chapter: &SpaceId, body: Body) -> Result<()> {
    let id = run_ready(node.create_op(chapter, body))?;
    println!("{id}");
    Ok(())
}

/// Makes a chapter op and prints its id.
pub fn act(node: &Node<RedbStore>, chapter: &SpaceId, op: ChapterOp) -> Result<()> {
    write(node, chapter, Body::Chapter(op))
}

/// A parameter value from text: an integer, true or false, or the text.
pub fn param_value(text: &str) -> ParamValue {
    match text {
        "true" => ParamValue::Bool(true),
        "false" => ParamValue::Bool(false),
        _ => text
            .parse::<i64>()
            .map(ParamValue::Int)
            .unwrap_or_else(|_| ParamValue::Text(text.to_owned())),
    }
}
