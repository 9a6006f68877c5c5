//! The fuzz targets' bodies run by `cargo test`, without cargo-fuzz: every committed seed
//! (`fuzz/seeds/<target>/`) and a fixed number of inputs mutated from them with a fixed-seed
//! generator, so a parser regression shows in every test run. The bodies are the very code the
//! cargo-fuzz targets run (`fuzz/src/lib.rs`, included here).

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
pub mod bodies;

use crate::support::root;

/// A small xorshift generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = root().join("fuzz").join("seeds").join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("seed entry").path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no seeds in {}", dir.display());
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("seed readable"))
        .collect()
}

/// One mutation of `input`, in the spirit of libFuzzer's: flip, set, insert, erase, splice,
/// or write an "interesting" integer.
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    const INTERESTING: [u32; 10] = [
        0,
        1,
        0x7f,
        0x80,
        0xff,
        0xffff,
        0x8000_0000,
        0xffff_ffff,
        40,
        1500,
    ];
    match rng.below(7) {
        0 if !input.is_empty() => {
            let i = rng.below(input.len());
            input[i] ^= 1 << rng.below(8);
        }
        1 if !input.is_empty() => {
            let i = rng.below(input.len());
            input[i] = rng.next() as u8;
        }
        2 => {
            let i = rng.below(input.len() + 1);
            let n = 1 + rng.below(8);
            for _ in 0..n {
                input.insert(i, rng.next() as u8);
            }
        }
        3 if !input.is_empty() => {
            let i = rng.below(input.len());
            let n = (1 + rng.below(16)).min(input.len() - i);
            input.drain(i..i + n);
        }
        4 if !other.is_empty() => {
            let from = rng.below(other.len());
            let n = (1 + rng.below(64)).min(other.len() - from);
            let at = rng.below(input.len() + 1);
            let tail = input.split_off(at);
            input.extend_from_slice(&other[from..from + n]);
            input.extend(tail);
        }
        5 if input.len() >= 4 => {
            let i = rng.below(input.len() - 3);
            let v = INTERESTING[rng.below(INTERESTING.len())];
            let bytes = if rng.next() & 1 == 0 {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            let n = [1, 2, 4][rng.below(3)];
            input[i..i + n].copy_from_slice(&bytes[4 - n..]);
        }
        _ => {
            let cut = rng.below(input.len() + 1);
            input.truncate(cut);
        }
    }
}

/// Runs `body` on every seed, then on `extra` mutated seeds.
fn smoke(target: &str, extra: usize, body: fn(&[u8])) {
    let seeds = seeds(target);
    for s in &seeds {
        body(s);
    }
    let mut rng = Rng(0x5eed_f022_0f00 ^ target.len() as u64);
    for _ in 0..extra {
        let mut input = seeds[rng.below(seeds.len())].clone();
        let other = &seeds[rng.below(seeds.len())];
        for _ in 0..1 + rng.below(6) {
            mutate(&mut rng, &mut input, other);
        }
        body(&input);
    }
}

#[test]
fn pcap_reader_seeds_and_mutations() {
    smoke("pcap_reader", 3000, bodies::pcap_reader);
}

#[test]
fn frame_seeds_and_mutations() {
    smoke("frame", 1500, bodies::frame);
}

#[test]
fn filter_parse_seeds_and_mutations() {
    smoke("filter_parse", 3000, bodies::filter_parse);
}

#[test]
fn trackers_seeds_and_mutations() {
    smoke("trackers", 150, bodies::trackers);
}
