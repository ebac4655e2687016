//! How long a frame and a document take: typing must never lag, so a full step
//! screen should draw in well under 0.5 ms.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ecr_share::core::documents::DocumentKind;
use ecr_share::core::flow::{FLOWS, FieldId, FlowId, FlowSpec, Form};
use ecr_share::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

mod scenes;

/// Every screen of [`scenes::screens`] at a wide and a small terminal.
fn frames(c: &mut Criterion) {
    for (name, app) in scenes::screens() {
        for (width, height) in [(120, 40), (80, 24)] {
            let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
            c.bench_function(&format!("frame {width}x{height} {name}"), |b| {
                b.iter(|| {
                    terminal
                        .draw(|frame| view::draw(frame, black_box(&app)))
                        .unwrap();
                })
            });
        }
    }
}

fn documents(c: &mut Criterion) {
    let curated = scenes::filled_form();
    let mut repository = Form::new(FlowId::RepositorySharing);
    repository.set(FieldId::Repository, "team/app");
    repository.set(FieldId::Grantees, "222222222222, 333333333333");
    repository.set(FieldId::Access, "lambda");
    let kinds: Vec<(&Form, DocumentKind)> = FLOWS
        .iter()
        .flat_map(|flow| {
            let form = if *flow == FlowId::CuratedPackages {
                &curated
            } else {
                &repository
            };
            FlowSpec::get(*flow)
                .steps
                .iter()
                .flat_map(move |step| step.documents.iter().map(move |kind| (form, *kind)))
        })
        .collect();
    c.bench_function("every document of both flows", |b| {
        b.iter(|| {
            for (form, kind) in &kinds {
                black_box(form.document(*kind));
            }
        })
    });
}

criterion_group!(benches, frames, documents);
criterion_main!(benches);
