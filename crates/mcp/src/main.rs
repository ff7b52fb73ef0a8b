fn main() { eprintln!("flowengine-mcp: arrives with issue 9"); std::process::exit(1) }
