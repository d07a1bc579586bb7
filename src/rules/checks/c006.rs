//! C006 `incomplete-evidence`: the consent record cannot be demonstrated.
//!
//! The rule's documentation is `docs/rules/C006.md`.

use smallvec::SmallVec;

use super::RowContext;
use crate::consent::{EventRef, SourceClass};

/// Whether an event shows how or where consent was given: a source that is
/// not a mere import, a collection point, or an IP address.
fn traces(ctx: &RowContext<'_>, event: &EventRef) -> bool {
    let source_shows =
        !event.source.is_empty() && ctx.index.source_class(event.source) != SourceClass::Import;
    source_shows || event.has_ip || event.has_collection_point
}

pub(super) fn incomplete_evidence(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    let required = &ctx.policy.evidence;
    let governing = a.governing()?;
    let confirmation = a.doi_confirmation();
    let dated = governing.time.is_some() || confirmation.is_some_and(|c| c.time.is_some());
    let traceable = traces(ctx, &governing) || confirmation.is_some_and(|c| traces(ctx, &c));
    let noticed = governing.terms.has_notice || confirmation.is_some_and(|c| c.terms.has_notice);
    let only_import: String;
    let mut missing: SmallVec<[&str; 3]> = SmallVec::new();
    if required.timestamp && !dated {
        missing.push("no timestamp");
    }
    let imported = (!governing.source.is_empty())
        .then(|| ctx.index.text(governing.source))
        .filter(|_| ctx.index.source_class(governing.source) == SourceClass::Import);
    if required.how_or_where && !traceable {
        missing.push(match imported {
            Some(source) => {
                only_import = format!(
                    "only an import as its source ('{source}'), which shows how the address was loaded, not how the person opted in; no collection point or IP address"
                );
                &only_import
            }
            None => "no source, collection point or IP address",
        });
    }
    if required.notice_version && !noticed {
        missing.push("no notice or consent-text version");
    }
    if missing.is_empty() {
        return None;
    }
    let missing = missing.join(" and ");
    let note = (required.timestamp && !dated)
        .then(|| ctx.export_note())
        .flatten()
        .map_or(String::new(), |note| format!("; {note}"));
    Some(format!(
        "{} ({}) has {missing}{note}",
        governing.kind,
        ctx.at(governing.at)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn evidence_needs_time_and_trace() {
        let f = Log::new()
            .add(OptIn, None, "newsletter", "", false)
            .add(Confirm, None, "newsletter", "", false)
            .findings();
        assert_eq!(codes(&f), ["C006"]);
        assert!(f[0].1.contains("no timestamp and no source"), "{}", f[0].1);
        let f = Log::new()
            .add(OptIn, Some(5), "newsletter", "", false)
            .add(Confirm, Some(5), "newsletter", "", true)
            .findings();
        assert_eq!(
            codes(&f),
            Vec::<&str>::new(),
            "the confirmation's IP traces the consent"
        );
    }

    #[test]
    fn an_import_shows_no_how_or_where() {
        for source in [
            "CSV import",
            "API",
            "Imported from old CRM",
            "App interface",
        ] {
            let f = Log::new()
                .add(OptIn, Some(5), "newsletter", source, false)
                .add(Confirm, Some(5), "newsletter", "", false)
                .findings();
            assert_eq!(codes(&f), ["C006"], "{source}");
            assert!(
                f[0].1
                    .contains(&format!("only an import as its source ('{source}')")),
                "{}",
                f[0].1
            );
        }
        // An IP address recorded with it still shows where.
        let f = Log::new()
            .add(OptIn, Some(5), "newsletter", "CSV import", true)
            .add(Confirm, Some(5), "newsletter", "", false)
            .findings();
        assert_eq!(codes(&f), Vec::<&str>::new());
    }
}
