//! Calendar dates without a clock or a time zone.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::text::fold_width;

/// A proleptic Gregorian calendar date (years 1000–9999).
///
/// Accepts the forms Chinese spreadsheets use and prints ISO 8601:
///
/// ```
/// use shuangsuiji::model::Date;
/// let d: Date = "2026年10月1日".parse().unwrap();
/// assert_eq!(d, "2026/10/01".parse().unwrap());
/// assert_eq!(d, "2026-10-01".parse().unwrap());
/// assert_eq!(d.to_string(), "2026-10-01");
/// assert_eq!(d.days_since(&"2025-10-01".parse().unwrap()), 365);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a date could not be read.
///
/// ```
/// use shuangsuiji::model::{Date, DateError};
/// assert_eq!("2026-02-30".parse::<Date>(), Err(DateError::Impossible));
/// assert_eq!("next Tuesday".parse::<Date>(), Err(DateError::Malformed));
/// assert_eq!(Date::new(2026, 2, 29), Err(DateError::Impossible));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Not in an accepted form.
    Malformed,
    /// Well formed but not a real day (for example 2026-02-30).
    Impossible,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateError::Malformed => {
                "is not a date; write it as 2026-10-01, 2026/10/01 or 2026年10月1日"
            }
            DateError::Impossible => "is not a real calendar day",
        })
    }
}

impl std::error::Error for DateError {}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A date, if it exists.
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// let d = Date::new(2026, 10, 9).unwrap();
    /// assert_eq!((d.year(), d.month(), d.day()), (2026, 10, 9));
    /// assert_eq!(d.to_string(), "2026-10-09");
    /// assert!(Date::new(2024, 2, 29).is_ok() && Date::new(2026, 13, 1).is_err());
    /// ```
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, DateError> {
        if !(1000..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return Err(DateError::Impossible);
        }
        Ok(Date { year, month, day })
    }

    /// The year.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::model::Date::new(2026, 10, 9).unwrap().year(), 2026);
    /// ```
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::model::Date::new(2026, 10, 9).unwrap().month(), 10);
    /// ```
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::model::Date::new(2026, 10, 9).unwrap().day(), 9);
    /// ```
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it).
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// assert_eq!(Date::new(1970, 1, 1).unwrap().day_number(), 0);
    /// assert_eq!(Date::new(1969, 12, 31).unwrap().day_number(), -1);
    /// assert_eq!(Date::new(2000, 3, 1).unwrap().day_number(), 11017);
    /// ```
    pub fn day_number(&self) -> i64 {
        // Howard Hinnant's days_from_civil
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `n` days after 1970-01-01 (the inverse of
    /// [`Date::day_number`]); `None` outside years 1–9999.
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// let d: Date = "2026-10-09".parse().unwrap();
    /// assert_eq!(Date::from_day_number(d.day_number()), Some(d));
    /// assert_eq!(d.add_days(23).unwrap().to_string(), "2026-11-01");
    /// assert_eq!(d.weekday(), 5); // a Friday
    /// ```
    pub fn from_day_number(n: i64) -> Option<Date> {
        // Howard Hinnant's civil_from_days
        let z = n + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        let y = u16::try_from(y).ok()?;
        Date::new(y, m as u8, d as u8).ok()
    }

    /// The date `n` days later (earlier when negative).
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// let d = Date::new(2026, 12, 31).unwrap();
    /// assert_eq!(d.add_days(1), Some(Date::new(2027, 1, 1).unwrap()));
    /// assert_eq!(d.add_days(-365), Some(Date::new(2025, 12, 31).unwrap()));
    /// ```
    pub fn add_days(&self, n: i64) -> Option<Date> {
        Date::from_day_number(self.day_number() + n)
    }

    /// ISO weekday: 1 Monday … 7 Sunday.
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// assert_eq!(Date::new(2026, 10, 1).unwrap().weekday(), 4); // a Thursday
    /// assert_eq!(Date::new(2026, 10, 4).unwrap().weekday(), 7); // a Sunday
    /// ```
    pub fn weekday(&self) -> u8 {
        // 1970-01-01 was a Thursday (4)
        ((self.day_number() + 3).rem_euclid(7) + 1) as u8
    }

    /// Whole days from `earlier` to `self` (negative if `earlier` is later).
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// let (a, b) = (Date::new(2026, 1, 1).unwrap(), Date::new(2026, 12, 31).unwrap());
    /// assert_eq!(b.days_since(&a), 364);
    /// assert_eq!(a.days_since(&b), -364);
    /// ```
    pub fn days_since(&self, earlier: &Date) -> i64 {
        self.day_number() - earlier.day_number()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Date, DateError> {
        let t = fold_width(s.trim());
        let t = t.trim();
        let parts: Vec<&str> = if let Some(rest) = t.strip_suffix('日') {
            let (y, rest) = rest.split_once('年').ok_or(DateError::Malformed)?;
            let (m, d) = rest.split_once('月').ok_or(DateError::Malformed)?;
            vec![y.trim(), m.trim(), d.trim()]
        } else if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
            vec![&t[0..4], &t[4..6], &t[6..8]]
        } else {
            let sep = ['-', '/', '.']
                .into_iter()
                .find(|c| t.contains(*c))
                .ok_or(DateError::Malformed)?;
            t.split(sep).collect()
        };
        if parts.len() != 3
            || parts[0].len() != 4
            || !(1..=2).contains(&parts[1].len())
            || !(1..=2).contains(&parts[2].len())
            || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(DateError::Malformed);
        }
        let y: u16 = parts[0].parse().map_err(|_| DateError::Malformed)?;
        let m: u8 = parts[1].parse().map_err(|_| DateError::Malformed)?;
        let d: u8 = parts[2].parse().map_err(|_| DateError::Malformed)?;
        Date::new(y, m, d)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        // TOML dates arrive as datetime values; strings are accepted too.
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date such as 2026-10-01")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                v.parse().map_err(|e| E::custom(format!("date '{v}' {e}")))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
                // toml's datetime is a one-entry map holding its text
                let (_k, v): (String, String) = map
                    .next_entry()?
                    .ok_or_else(|| serde::de::Error::custom("empty date"))?;
                v.parse()
                    .map_err(|e| serde::de::Error::custom(format!("date '{v}' {e}")))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let d = Date::new(2026, 10, 1).unwrap();
        for s in [
            "2026-10-01",
            "2026/10/01",
            "2026/10/1",
            "2026.10.01",
            "20261001",
            "2026年10月1日",
            "2026年10月01日",
            " ２０２６-10-01 ",
        ] {
            assert_eq!(s.parse::<Date>(), Ok(d), "{s}");
        }
    }

    #[test]
    fn rejects() {
        assert_eq!("2026-02-29".parse::<Date>(), Err(DateError::Impossible));
        assert_eq!("2026-13-01".parse::<Date>(), Err(DateError::Impossible));
        assert_eq!("2026-00-10".parse::<Date>(), Err(DateError::Impossible));
        assert_eq!(
            "2024-02-29".parse::<Date>().unwrap().to_string(),
            "2024-02-29"
        );
        assert_eq!("26-10-01".parse::<Date>(), Err(DateError::Malformed));
        assert_eq!("2026-10".parse::<Date>(), Err(DateError::Malformed));
        assert_eq!("tomorrow".parse::<Date>(), Err(DateError::Malformed));
        assert_eq!("2026-1o-01".parse::<Date>(), Err(DateError::Malformed));
    }

    #[test]
    fn day_numbers() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().day_number(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().day_number(), 11_017);
        let a = Date::new(2024, 1, 1).unwrap();
        let b = Date::new(2025, 1, 1).unwrap();
        assert_eq!(b.days_since(&a), 366);
    }
}
