//! How long a key waits before its next attempt: nothing for the first few failures, then a
//! delay doubling from one second up to five minutes. Never a hard lock: the owner of a username
//! an attacker is guessing can still sign in once the delay has passed.

/// The delay rule for one kind of key.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Failures that cost nothing (typos).
    pub free: u32,
    /// Seconds of delay after the first failure past the free ones.
    pub first: u64,
    /// The longest delay, in seconds.
    pub max: u64,
}

/// Per username: a person mistyping a few times is not slowed.
pub const USERNAME: Rule = Rule {
    free: 3,
    first: 1,
    max: 300,
};

/// Per client IP: higher, as many people may share one address (an office behind NAT).
pub const IP: Rule = Rule {
    free: 10,
    first: 1,
    max: 300,
};

/// Counts decay: one failure is forgiven per this many seconds without a new one.
pub const DECAY_SECS: f64 = 900.0;

impl Rule {
    /// The delay, in seconds, that `failures` failures earn.
    pub fn delay(&self, failures: u32) -> u64 {
        if failures <= self.free {
            return 0;
        }
        // Capped shift: past 2^20 the cap has long applied.
        let doublings = (failures - self.free - 1).min(20);
        (self.first << doublings).min(self.max)
    }

    /// Whole seconds still to wait, `elapsed` seconds after the last failure.
    pub fn remaining(&self, failures: u32, elapsed: f64) -> u64 {
        let delay = self.delay(failures) as f64;
        let elapsed = if elapsed.is_finite() {
            elapsed.max(0.0)
        } else {
            delay
        };
        if elapsed >= delay {
            0
        } else {
            (delay - elapsed).ceil() as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn free_failures_then_doubling_up_to_the_cap() {
        let got: Vec<u64> = (0..16).map(|n| USERNAME.delay(n)).collect();
        assert_eq!(
            got,
            [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
        );
        assert_eq!(IP.delay(10), 0);
        assert_eq!(IP.delay(11), 1);
        assert_eq!(USERNAME.delay(u32::MAX), 300);
    }

    #[test]
    fn the_wait_shrinks_as_time_passes() {
        // 8 failures: 16 s delay.
        assert_eq!(USERNAME.remaining(8, 0.0), 16);
        assert_eq!(USERNAME.remaining(8, 10.2), 6);
        assert_eq!(USERNAME.remaining(8, 16.0), 0);
        assert_eq!(USERNAME.remaining(8, 3600.0), 0);
        assert_eq!(USERNAME.remaining(2, 0.0), 0);
    }

    proptest! {
        #[test]
        fn never_more_than_the_cap(failures in any::<u32>(), elapsed in any::<f64>()) {
            prop_assert!(USERNAME.remaining(failures, elapsed) <= USERNAME.max);
            prop_assert!(IP.remaining(failures, elapsed) <= IP.max);
        }
    }
}
