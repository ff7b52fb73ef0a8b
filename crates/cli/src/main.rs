//! `fe`: the FlowEngine command line.
fn main() {
    std::process::exit(fe::run());
}
