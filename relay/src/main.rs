//! The community relay. Serving the web app and the libp2p side arrive with the browser-node and network work.
fn main() {
    eprintln!("hearth-relay: not yet available; see the README");
    std::process::exit(2);
}
