//! The crate `fixture` whose rustdoc JSON (fixture.json) tests
//! tools/public_api.py; make_fixture.sh regenerates it.
#![allow(dead_code)]

mod inner {
    /// A point.
    #[derive(Clone, Debug, PartialEq, Eq, Default)]
    pub struct Point {
        /// x
        pub x: i32,
        /// y
        pub y: i32,
    }

    impl Point {
        /// New.
        pub fn new(x: i32, y: i32) -> Self {
            Point { x, y }
        }
        /// Scaled.
        pub fn scaled<T: Into<i32> + Copy>(&self, k: T) -> Point
        where
            T: std::fmt::Debug,
        {
            Point { x: self.x * k.into(), y: self.y * k.into() }
        }
        fn private(&self) {}
    }

    impl std::str::FromStr for Point {
        type Err = String;
        fn from_str(_: &str) -> Result<Self, String> {
            Ok(Point::default())
        }
    }
}

pub use inner::Point;

/// Shapes.
pub mod shapes {
    /// A shape.
    #[non_exhaustive]
    #[derive(Debug)]
    pub enum Shape {
        /// Round.
        Circle { r: u32 },
        /// Square.
        Square(u32),
        /// Nothing.
        Empty,
    }

    /// Half private.
    pub struct Opaque {
        secret: u8,
        /// Shown.
        pub shown: u8,
    }

    /// Area.
    pub trait Area {
        /// Sides.
        const SIDES: u32;
        /// Area.
        fn area(&self) -> u64;
        /// Name.
        fn name(&self) -> String {
            String::new()
        }
    }

    impl Area for Opaque {
        const SIDES: u32 = 4;
        fn area(&self) -> u64 {
            u64::from(self.shown)
        }
    }

    /// Result.
    pub type Res<T> = Result<T, std::io::Error>;

    /// Limit.
    pub const LIMIT: usize = 10;
}

/// Hidden.
#[doc(hidden)]
pub fn hidden() {}

/// Parse.
pub fn parse<'a>(s: &'a str, scratch: &mut Vec<u8>) -> Result<Point, std::num::ParseIntError> {
    let _ = scratch;
    let x = s.parse()?;
    Ok(Point { x, y: 0 })
}
