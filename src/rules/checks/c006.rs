//! C006 `incomplete-evidence`: the consent record cannot be demonstrated.
//!
//! The rule's documentation is `docs/rules/C006.md`.

use smallvec::SmallVec;

use super::RowContext;

pub(super) fn incomplete_evidence(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    let required = &ctx.policy.evidence;
    let governing = a.governing()?;
    let confirmation = a.doi_confirmation();
    let dated = governing.time.is_some() || confirmation.is_some_and(|c| c.time.is_some());
    let traceable =
        governing.shows_how_or_where() || confirmation.is_some_and(|c| c.shows_how_or_where());
    let noticed = governing.terms.has_notice || confirmation.is_some_and(|c| c.terms.has_notice);
    let mut missing: SmallVec<[&str; 3]> = SmallVec::new();
    if required.timestamp && !dated {
        missing.push("no timestamp");
    }
    if required.how_or_where && !traceable {
        missing.push("no source, collection point or IP address");
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
}
