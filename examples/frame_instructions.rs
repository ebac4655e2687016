//! Draws one of the render benchmark's screens a given number of times, for
//! `benches/frame_instructions.sh` to count the instructions a frame takes under
//! callgrind (a count that, unlike a timing, does not depend on other load).
//!
//! Usage: frame_instructions SCREEN WIDTH HEIGHT FRAMES
//! where SCREEN is one of the names `benches/scenes` gives ("curated step 2", ...).

use std::hint::black_box;
use std::process::ExitCode;

use ecr_share::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "../benches/scenes/mod.rs"]
mod scenes;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [screen, width, height, frames] = args.as_slice() else {
        eprintln!("usage: frame_instructions SCREEN WIDTH HEIGHT FRAMES");
        return ExitCode::from(2);
    };
    let (Ok(width), Ok(height), Ok(frames)) = (
        width.parse::<u16>(),
        height.parse::<u16>(),
        frames.parse::<usize>(),
    ) else {
        eprintln!("frame_instructions: WIDTH, HEIGHT and FRAMES are numbers");
        return ExitCode::from(2);
    };
    let names: Vec<&str> = scenes::screens().iter().map(|(name, _)| *name).collect();
    let Some((_, app)) = scenes::screens()
        .into_iter()
        .find(|(name, _)| name == screen)
    else {
        eprintln!("frame_instructions: no screen {screen:?}; there are {names:?}");
        return ExitCode::from(2);
    };
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    for _ in 0..frames {
        terminal
            .draw(|frame| view::draw(frame, black_box(&app)))
            .expect("a test terminal draws");
    }
    ExitCode::SUCCESS
}
