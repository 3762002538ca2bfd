//! The working-day calendar: the shipped 2026 arrangement, the plan's
//! additions, and due dates that reach a year still to be confirmed.

use shuangsuiji::model::{Date, ResultsConfig};
use shuangsuiji_disclose::Calendar;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

#[test]
fn the_2026_arrangement() {
    let c = Calendar::china();
    // make-up working days are weekend days that work
    for w in [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ] {
        assert!(d(w).weekday() >= 6, "{w}");
        assert!(c.is_working_day(d(w)), "{w}");
    }
    // weekdays off
    for h in [
        "2026-01-01",
        "2026-01-02",
        "2026-02-16",
        "2026-02-17",
        "2026-02-18",
        "2026-02-19",
        "2026-02-20",
        "2026-02-23",
        "2026-04-06",
        "2026-05-01",
        "2026-05-04",
        "2026-05-05",
        "2026-06-19",
        "2026-09-25",
        "2026-10-01",
        "2026-10-02",
        "2026-10-05",
        "2026-10-06",
        "2026-10-07",
    ] {
        assert!(d(h).weekday() <= 5, "{h}");
        assert!(!c.is_working_day(d(h)), "{h}");
    }
    // an ordinary week
    assert!(c.is_working_day(d("2026-11-02")));
    assert!(!c.is_working_day(d("2026-11-01")));
    // 20 working days, counted from the day after
    assert_eq!(
        c.add_working_days(d("2026-10-23"), 20),
        Some(d("2026-11-20"))
    );
    assert_eq!(
        c.add_working_days(d("2026-09-30"), 1),
        Some(d("2026-10-08"))
    );
    assert_eq!(
        c.add_working_days(d("2026-10-09"), 1),
        Some(d("2026-10-10"))
    );
    assert_eq!(
        c.add_working_days(d("2026-10-09"), 0),
        Some(d("2026-10-09"))
    );
    assert!(c.confirmed(2026));
    assert!(!c.confirmed(2027));
}

#[test]
fn the_plan_extends_and_corrects_the_calendar() {
    let cfg = ResultsConfig {
        holidays: vec![d("2027-02-09"), d("2026-11-02")],
        workdays: vec![d("2027-02-20"), d("2026-10-10")],
        ..ResultsConfig::default()
    };
    let c = Calendar::for_plan(&cfg);
    assert!(!c.is_working_day(d("2027-02-09")));
    assert!(!c.is_working_day(d("2026-11-02")));
    assert!(c.is_working_day(d("2027-02-20")));
    assert!(c.confirmed(2027));
    // statutory 2027 days are shipped even unconfirmed
    assert!(!Calendar::china().is_working_day(d("2027-02-08")));
    assert!(!Calendar::china().is_working_day(d("2027-10-01")));
}
