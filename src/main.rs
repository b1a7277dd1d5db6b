fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let opts = serde_saphyr::options! { duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error };
    match serde_saphyr::from_multiple_with_options::<rayc::load::node::Node>(&text, opts) {
        Ok(docs) => {
            for d in docs {
                println!("{:?}", d)
            }
        }
        Err(e) => {
            println!("ERR {e}");
            println!("loc {:?}", e.location());
        }
    }
}
