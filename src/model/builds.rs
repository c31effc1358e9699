//! Which product builds a deployment runs: API-M 2.6.0 and IS-KM 5.7.0, GA or updated, as the
//! profile spells them (`"2.6.0"`, `"2.6.0-wum"`, `"2.6.0-update-<N>"`, `"5.7.0-wum"`).
use serde::{Serialize, Serializer};
use std::fmt;

/// An API-M 2.6.0 build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApimBuild {
    /// `2.6.0`: the GA pack.
    Ga,
    /// `2.6.0-wum`: updated with WSO2 Update Manager.
    Wum,
    /// `2.6.0-update-<N>`: an Updates 2.0 level (no IS-KM 5.7.0 build is compatible with it).
    Update(u32),
}

impl ApimBuild {
    pub fn parse(s: &str) -> Option<ApimBuild> {
        match s {
            "2.6.0" => Some(ApimBuild::Ga),
            "2.6.0-wum" => Some(ApimBuild::Wum),
            _ => {
                let n = s.strip_prefix("2.6.0-update-")?;
                if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                n.parse().ok().map(ApimBuild::Update)
            }
        }
    }
}

impl fmt::Display for ApimBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApimBuild::Ga => f.write_str("2.6.0"),
            ApimBuild::Wum => f.write_str("2.6.0-wum"),
            ApimBuild::Update(n) => write!(f, "2.6.0-update-{n}"),
        }
    }
}

/// An IS-KM 5.7.0 build (the prepackaged Identity Server as Key Manager).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsKmBuild {
    /// `5.7.0`
    Ga,
    /// `5.7.0-wum`
    Wum,
}

impl IsKmBuild {
    pub fn parse(s: &str) -> Option<IsKmBuild> {
        match s {
            "5.7.0" => Some(IsKmBuild::Ga),
            "5.7.0-wum" => Some(IsKmBuild::Wum),
            _ => None,
        }
    }
}

impl fmt::Display for IsKmBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IsKmBuild::Ga => "5.7.0",
            IsKmBuild::Wum => "5.7.0-wum",
        })
    }
}

/// Both serialize as the string the profile and the README use.
impl Serialize for ApimBuild {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for IsKmBuild {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_print_as_the_profile_spells_them() {
        for s in ["2.6.0", "2.6.0-wum", "2.6.0-update-12"] {
            assert_eq!(ApimBuild::parse(s).unwrap().to_string(), s);
        }
        for s in ["5.7.0", "5.7.0-wum"] {
            assert_eq!(IsKmBuild::parse(s).unwrap().to_string(), s);
        }
        for s in ["2.6.0-update-", "2.6.0-update-+1", "2.6.1", "5.8.0"] {
            assert_eq!(ApimBuild::parse(s), None, "{s}");
        }
        assert_eq!(IsKmBuild::parse("5.7"), None);
    }
}
