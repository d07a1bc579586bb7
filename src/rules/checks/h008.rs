//! H008 `undeliverable`: a permanent delivery failure, or a status that
//! says one (Mailchimp's `cleaned`, Kit's `bounced`), that no later act of
//! the person shows to be over.
//!
//! The rule's documentation is `docs/rules/H008.md`.

use super::{Reported, RowContext};
use crate::consent::EventKind;
use crate::policy::Level;
use crate::rules::RuleId;

/// At the rule's level for a bounce known to be permanent; at most a
/// warning for one whose kind the input does not state.
pub(super) fn undeliverable(ctx: &RowContext<'_>) -> Option<Reported> {
    let bounce = ctx.assessment.undeliverable?;
    Some(if bounce.kind == EventKind::HardBounce {
        format!(
            "the mailbox does not exist: a permanent delivery failure ({}); mail to it bounces and costs the sender's reputation",
            ctx.describe(&bounce)
        )
        .into()
    } else {
        Reported {
            message: format!(
                "a bounce of unstated kind ({}); if it was permanent, the mailbox does not exist: map the bounce type (--map bounce_type=COLUMN) or check in the sending tool",
                ctx.describe(&bounce)
            ),
            level: Some(ctx.policy.level(RuleId::H008).min(Level::Warning)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn a_hard_bounce_makes_the_address_undeliverable() {
        let f = good()
            .detail("hard_bounce")
            .add(HardBounce, Some(5), "", "", false)
            .findings();
        assert_eq!(codes(&f), ["H008"]);
        assert!(
            f[0].1.starts_with(
                "the mailbox does not exist: a permanent delivery failure (hard_bounce at "
            ),
            "{}",
            f[0].1
        );
        let f = good()
            .detail("column 'Status' is 'cleaned'")
            .add(HardBounce, None, "", "", false)
            .findings();
        assert!(
            f[0].1
                .contains("(hard_bounce (column 'Status' is 'cleaned') without timestamp"),
            "{}",
            f[0].1
        );
    }

    #[test]
    fn soft_bounces_remove_nobody_and_unstated_ones_warn() {
        let f = good().add(SoftBounce, Some(5), "", "", false).findings();
        assert_eq!(codes(&f), Vec::<&str>::new());
        let f = good()
            .detail("bounce")
            .add(Bounce, Some(5), "", "", false)
            .findings();
        assert_eq!(codes(&f), ["H008"]);
        assert!(
            f[0].1.starts_with("a bounce of unstated kind"),
            "{}",
            f[0].1
        );
    }

    #[test]
    fn a_later_act_of_the_person_shows_the_mailbox_works() {
        let f = Log::new()
            .add(HardBounce, Some(200), "", "", false)
            .add(OptIn, Some(100), "newsletter", "web_form", true)
            .add(Confirm, Some(100), "newsletter", "link", true)
            .findings();
        assert_eq!(codes(&f), Vec::<&str>::new());
        let f = good()
            .add(HardBounce, Some(50), "", "", false)
            .add(Activity, Some(10), "", "", false)
            .findings();
        assert_eq!(codes(&f), Vec::<&str>::new());
    }
}
