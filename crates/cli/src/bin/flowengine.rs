//! `flowengine`: the long-form alias of `fe` (same commands, same flags).
fn main() {
    std::process::exit(fe::run());
}
