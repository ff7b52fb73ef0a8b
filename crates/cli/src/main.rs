fn main() { eprintln!("fe: arrives with issue 8"); std::process::exit(1) }
