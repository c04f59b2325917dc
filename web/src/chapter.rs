//! A chapter in the web app: its member directory, invites (a link and a QR
//! code), and joining by an invite link or a photo of its QR code.

use hearth_core::chapter::{Chapter, InviteLink, Permission, Status, Tier};
use hearth_core::space::SpaceView;
use hearth_core::{Did, SpaceId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::app::{Screen, Ui, node, refresh_home, refresh_space, write};

const DAY: u64 = 24 * 60 * 60 * 1000;

/// A member as the directory lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub did: String,
    pub name: String,
    pub tier: &'static str,
    pub roles: String,
    pub standing: String,
}

/// What the space page shows of its chapter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChapterSummary {
    pub purpose: String,
    pub version: String,
    pub admission: String,
    pub may_invite: bool,
    pub members: Vec<MemberRow>,
}

fn standing(status: &Status) -> String {
    match status {
        Status::Active => "active".into(),
        Status::Suspended { reason, .. } => format!("suspended: {reason}"),
        Status::Left { .. } => "left".into(),
        Status::Removed { reason, .. } => format!("removed: {reason}"),
    }
}

/// The page's view of a chapter, for member `me`.
pub fn summary(view: &SpaceView, me: Option<Did>, now: u64) -> ChapterSummary {
    let c: &Chapter = view.chapter();
    let charter = c.charter();
    let members = c
        .members
        .values()
        .filter(|m| m.is_current())
        .map(|m| MemberRow {
            did: m.did.to_string(),
            name: view
                .profile(&m.did)
                .map(|p| p.display_name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| m.did.fmt_short()),
            tier: m.tier_at(now).name(),
            roles: m.roles.iter().cloned().collect::<Vec<_>>().join(", "),
            standing: standing(&m.status),
        })
        .collect();
    ChapterSummary {
        purpose: charter.purpose.clone(),
        version: c.version().to_string(),
        admission: charter.admission.kind.describe(),
        may_invite: me.is_some_and(|d| {
            c.permissions(&d, now)
                .is_ok_and(|p| p.contains(&Permission::Invite))
        }),
        members,
    }
}

/// The member directory.
#[component]
pub fn Directory(ui: Ui) -> impl IntoView {
    view! {
        <h3>"Members"</h3>
        <ul class="members">
            <For each=move || ui.detail.get().chapter.members key=|m| (m.did.clone(), m.name.clone(), m.standing.clone(), m.tier) let:m>
                <li>
                    <span class="member-name">{m.name.clone()}</span>
                    " "
                    <span class="meta">
                        {format!("{} member", m.tier)}
                        {(!m.roles.is_empty()).then(|| format!(" · {}", m.roles))}
                        {format!(" · {}", m.standing)}
                        {(m.name != crate::app::short(&m.did)).then(|| view! {
                            " · " <code title=m.did.clone()>{crate::app::short(&m.did)}</code>
                        })}
                    </span>
                </li>
            </For>
        </ul>
    }
}

/// An SVG QR code of `text`.
pub fn qr_svg(text: &str, label: &str) -> String {
    use qrcodegen::{QrCode, QrCodeEcc};
    let Ok(qr) = QrCode::encode_text(text, QrCodeEcc::Medium) else {
        return String::new();
    };
    let border = 4;
    let size = qr.size() + 2 * border;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" role="img" aria-label="{label}"><rect width="100%" height="100%" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    )
}

/// Creates an invite and shows its link and QR code.
#[component]
pub fn InviteCard(ui: Ui, id: SpaceId) -> impl IntoView {
    let uses = RwSignal::new("1".to_string());
    let days = RwSignal::new("7".to_string());
    let link = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Ok(n), Ok(d)) = (
            uses.get().trim().parse::<u32>(),
            days.get().trim().parse::<u64>(),
        ) else {
            return ui
                .error
                .set(Some("Uses and days are whole numbers.".into()));
        };
        spawn_local(async move {
            let made = write(ui, move |node| async move {
                node.invite(&id, n, d * DAY, Tier::Full).await
            })
            .await;
            match made {
                Some(Ok(l)) => {
                    ui.error.set(None);
                    let origin = web_sys::window()
                        .and_then(|w| w.location().origin().ok())
                        .unwrap_or_default();
                    link.set(Some(l.url(&origin)));
                    refresh_space(ui, id).await;
                }
                Some(Err(e)) => ui
                    .error
                    .set(Some(format!("Could not create the invite: {e}"))),
                None => {}
            }
        });
    };
    view! {
        <Show when=move || ui.detail.get().chapter.may_invite>
            <form class="card" on:submit=create aria-labelledby="invite-title">
                <h3 id="invite-title">"Invite someone"</h3>
                <label for="invite-uses">"How many people may use it"</label>
                <input id="invite-uses" type="number" min="1" max="10000" prop:value=move || uses.get()
                    on:input=move |ev| uses.set(event_target_value(&ev)) />
                <label for="invite-days">"Days until it lapses"</label>
                <input id="invite-days" type="number" min="1" max="365" prop:value=move || days.get()
                    on:input=move |ev| days.set(event_target_value(&ev)) />
                <button type="submit">"Create invite"</button>
                <Show when=move || link.get().is_some()>
                    <p>"Share this link, or let them scan the code:"</p>
                    <input id="invite-link" type="text" readonly aria-label="Invite link"
                        prop:value=move || link.get().unwrap_or_default() />
                    <div class="qr" inner_html=move || link.get().map(|l| qr_svg(&l, "QR code of the invite link")).unwrap_or_default()></div>
                </Show>
            </form>
        </Show>
    }
}

/// The invite link in this page's address, if it was opened with one.
pub fn link_in_address() -> Option<InviteLink> {
    let hash = web_sys::window()?.location().hash().ok()?;
    InviteLink::find(&hash).ok()
}

/// Keeps `invite` up to date when the address changes without a reload (a
/// member pastes an invite link into a tab already open).
pub fn watch_address(invite: RwSignal<Option<InviteLink>>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let handler = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        if let Some(link) = link_in_address() {
            invite.set(Some(link));
        }
    });
    let _ = window.add_event_listener_with_callback("hashchange", handler.as_ref().unchecked_ref());
    // The page keeps listening as long as it lives.
    handler.forget();
}

/// Clears the invite from the page's address (it holds a secret).
fn forget_address_link() {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"));
    }
}

/// Joins with `link`: fetches the chapter through the network, waits until
/// its invite is here, then joins.
pub async fn join_with(ui: Ui, link: InviteLink) {
    forget_address_link();
    ui.invite.set(None);
    let space = link.space;
    if node().is_some_and(|n| n.space(&space).is_none()) && !crate::network::join(space) {
        return ui.error.set(Some(
            "Not connected to a relay, so the chapter cannot be fetched yet.".into(),
        ));
    }
    ui.imported.set(Some("Fetching the chapter…".into()));
    for _ in 0..240 {
        let ready = node()
            .and_then(|n| n.space(&space))
            .is_some_and(|v| v.chapter().invites.contains_key(&link.invite));
        if ready {
            break;
        }
        crate::network::sleep_ms(250).await;
    }
    let joined = write(ui, move |node| async move { node.join(&link, None).await }).await;
    ui.imported.set(None);
    match joined {
        Some(Ok(_)) => {
            ui.error.set(None);
            refresh_home(ui).await;
            refresh_space(ui, space).await;
            ui.screen.set(Screen::Space(space));
        }
        Some(Err(e)) => ui.error.set(Some(format!("Could not join: {e}"))),
        None => {}
    }
}

/// Offers to join with the invite the page was opened with.
#[component]
pub fn InvitedCard(ui: Ui) -> impl IntoView {
    let join = move |_| {
        if let Some(link) = ui.invite.get_untracked() {
            spawn_local(join_with(ui, link));
        }
    };
    view! {
        <Show when=move || ui.invite.get().is_some()>
            <section class="card invited" aria-labelledby="invited-title">
                <h2 id="invited-title">"You are invited to a chapter"</h2>
                <p>"Joining fetches the chapter from the relay, then admits you with the invite."</p>
                <button id="accept-invite" on:click=join>"Join the chapter"</button>
            </section>
        </Show>
    }
}

/// Reads a QR code from a photo (a file the member picks): the image is
/// drawn on a canvas and its pixels decoded here.
#[component]
pub fn ScanCard(ui: Ui) -> impl IntoView {
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    let chosen = move |_| {
        let Some(file) = input.get().and_then(|i| i.files()).and_then(|f| f.get(0)) else {
            return;
        };
        spawn_local(async move {
            match decode_photo(&file).await {
                Ok(text) => match InviteLink::find(&text) {
                    Ok(link) => join_with(ui, link).await,
                    Err(e) => ui
                        .error
                        .set(Some(format!("That code is not an invite: {e}"))),
                },
                Err(e) => ui.error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="scan-title">
            <h2 id="scan-title">"Scan an invite"</h2>
            <label for="scan-file">"A photo of an invite's QR code"</label>
            <input id="scan-file" type="file" accept="image/*" capture="environment" node_ref=input on:change=chosen />
        </section>
    }
}

pub(crate) async fn decode_photo(file: &web_sys::File) -> Result<String, String> {
    let url = web_sys::Url::create_object_url_with_blob(file)
        .map_err(|_| "That file could not be read.")?;
    let img = web_sys::HtmlImageElement::new().map_err(|_| "No image support here.")?;
    img.set_src(&url);
    wasm_bindgen_futures::JsFuture::from(img.decode())
        .await
        .map_err(|_| "That file is not an image this browser can read.")?;
    let _ = web_sys::Url::revoke_object_url(&url);
    let (w, h) = (img.natural_width(), img.natural_height());
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("No document.")?;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| "No canvas.")?
        .unchecked_into();
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or("No canvas.")?
        .unchecked_into();
    ctx.draw_image_with_html_image_element(&img, 0.0, 0.0)
        .map_err(|_| "The image could not be drawn.")?;
    let data = ctx
        .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
        .map_err(|_| "The image could not be read.")?
        .data();
    let luma: Vec<u8> = data
        .chunks_exact(4)
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        })
        .collect();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            luma[y * w as usize + x]
        });
    let grids = prepared.detect_grids();
    let grid = grids.first().ok_or("No QR code found in that picture.")?;
    grid.decode()
        .map(|(_, text)| text)
        .map_err(|e| format!("The QR code could not be read: {e}"))
}
