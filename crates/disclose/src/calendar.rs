//! Working days (工作日) in mainland China: weekends, public holidays and
//! the make-up working days (调休上班) the State Council announces each
//! year, shipped as data and extendable from the plan.

use std::collections::BTreeSet;

use shuangsuiji::model::{Date, ResultsConfig};

/// 2026, from the State Council General Office's notice on the 2026
/// holiday arrangements (国务院办公厅关于2026年部分节假日安排的通知,
/// November 2025), as the maintainers recorded it: days off, then make-up
/// working days. Check it against the official notice before relying on a
/// due date; a plan can correct it with `[results] holidays` / `workdays`.
const OFF_2026: &[(u8, u8)] = &[
    // 元旦 1月1日至3日
    (1, 1),
    (1, 2),
    (1, 3),
    // 春节 2月15日至23日
    (2, 15),
    (2, 16),
    (2, 17),
    (2, 18),
    (2, 19),
    (2, 20),
    (2, 21),
    (2, 22),
    (2, 23),
    // 清明节 4月4日至6日
    (4, 4),
    (4, 5),
    (4, 6),
    // 劳动节 5月1日至5日
    (5, 1),
    (5, 2),
    (5, 3),
    (5, 4),
    (5, 5),
    // 端午节 6月19日至21日
    (6, 19),
    (6, 20),
    (6, 21),
    // 中秋节 9月25日至27日
    (9, 25),
    (9, 26),
    (9, 27),
    // 国庆节 10月1日至7日
    (10, 1),
    (10, 2),
    (10, 3),
    (10, 4),
    (10, 5),
    (10, 6),
    (10, 7),
];
const WORK_2026: &[(u8, u8)] = &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)];

/// 2027, TO BE CONFIRMED: the arrangement had not been published when this
/// was written. Only the statutory holidays of 全国年节及纪念日放假办法
/// (元旦; 春节 除夕 to 初三; 清明; 劳动节 two days; 端午; 中秋; 国庆 three
/// days) on their 2027 dates, without the bridging days and make-up
/// working days the arrangement will add. Due dates that reach 2027 say
/// so.
const OFF_2027: &[(u8, u8)] = &[
    (1, 1),
    (2, 5),
    (2, 6),
    (2, 7),
    (2, 8),
    (4, 5),
    (5, 1),
    (5, 2),
    (6, 9),
    (9, 15),
    (10, 1),
    (10, 2),
    (10, 3),
];

/// The years whose arrangement is shipped and confirmed.
const CONFIRMED: &[u16] = &[2026];

/// A working-day calendar.
///
/// ```
/// use shuangsuiji::model::Date;
/// use shuangsuiji_disclose::Calendar;
/// let cal = Calendar::china();
/// let d = |s: &str| s.parse::<Date>().unwrap();
/// assert!(!cal.is_working_day(d("2026-10-05"))); // 国庆
/// assert!(cal.is_working_day(d("2026-10-10")));  // a Saturday, 调休上班
/// assert!(!cal.is_working_day(d("2026-11-07"))); // a Saturday
/// // 20 working days after Friday 2026-09-18: 9-20 is a make-up day,
/// // 9-25…27 and 10-1…7 are off, 10-10 works
/// assert_eq!(cal.add_working_days(d("2026-09-18"), 20).unwrap(), d("2026-10-22"));
/// assert!(cal.confirmed(2026) && !cal.confirmed(2027));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    off: BTreeSet<Date>,
    work: BTreeSet<Date>,
    confirmed: BTreeSet<u16>,
}

impl Calendar {
    /// The shipped calendar: 2026 (confirmed) and 2027 (statutory holidays
    /// only, to be confirmed); other years have weekends only.
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// let cal = shuangsuiji_disclose::Calendar::china();
    /// assert!(cal.confirmed(2026));
    /// assert!(!cal.is_working_day(Date::new(2026, 10, 1).unwrap())); // National Day
    /// assert!(!cal.is_working_day(Date::new(2026, 10, 4).unwrap())); // a Sunday
    /// ```
    pub fn china() -> Calendar {
        let mut c = Calendar::default();
        for (year, off, work) in [(2026, OFF_2026, WORK_2026), (2027, OFF_2027, &[][..])] {
            for &(m, d) in off {
                if let Ok(x) = Date::new(year, m, d) {
                    c.off.insert(x);
                }
            }
            for &(m, d) in work {
                if let Ok(x) = Date::new(year, m, d) {
                    c.work.insert(x);
                }
            }
        }
        c.confirmed.extend(CONFIRMED.iter().copied());
        c
    }

    /// The shipped calendar with the plan's `[results] holidays` and
    /// `workdays` added (a date listed in both is a working day). A year
    /// the plan lists a holiday or make-up day for counts as confirmed.
    ///
    /// ```
    /// use shuangsuiji::model::{Date, ResultsConfig};
    /// let day = Date::new(2030, 5, 6).unwrap(); // a Monday
    /// let cfg = ResultsConfig { holidays: vec![day], ..ResultsConfig::default() };
    /// let cal = shuangsuiji_disclose::Calendar::for_plan(&cfg);
    /// assert!(!cal.is_working_day(day) && cal.confirmed(2030));
    /// ```
    pub fn for_plan(cfg: &ResultsConfig) -> Calendar {
        let mut c = Calendar::china();
        for d in &cfg.holidays {
            c.work.remove(d);
            c.off.insert(*d);
            c.confirmed.insert(d.year());
        }
        for d in &cfg.workdays {
            c.off.remove(d);
            c.work.insert(*d);
            c.confirmed.insert(d.year());
        }
        c
    }

    /// Whether the holiday arrangement of `year` is known (shipped as
    /// confirmed, or given by the plan).
    ///
    /// ```
    /// let cal = shuangsuiji_disclose::Calendar::china();
    /// assert!(cal.confirmed(2026) && !cal.confirmed(2031));
    /// ```
    pub fn confirmed(&self, year: u16) -> bool {
        self.confirmed.contains(&year)
    }

    /// A make-up working day, or a weekday that is not a holiday.
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// let cal = shuangsuiji_disclose::Calendar::china();
    /// assert!(cal.is_working_day(Date::new(2026, 10, 9).unwrap())); // a Friday
    /// ```
    pub fn is_working_day(&self, d: Date) -> bool {
        self.work.contains(&d) || (d.weekday() <= 5 && !self.off.contains(&d))
    }

    /// The `n`th working day after `d` (`d` itself not counted); `None`
    /// past year 9999.
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// let cal = shuangsuiji_disclose::Calendar::china();
    /// let fri = Date::new(2031, 3, 7).unwrap(); // weekends only in 2031
    /// assert_eq!(cal.add_working_days(fri, 1), Date::new(2031, 3, 10).ok());
    /// assert_eq!(cal.add_working_days(fri, 0), Some(fri));
    /// ```
    pub fn add_working_days(&self, d: Date, n: u32) -> Option<Date> {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.add_days(1)?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }
}
