//! Regions the wizard knows, the partition each belongs to, and the production
//! EKS Anywhere Curated Packages registry account of each region.

use std::fmt;

/// An AWS partition. Every ARN the wizard writes starts with `arn:<partition>:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Partition {
    Aws,
    AwsCn,
    AwsUsGov,
}

impl Partition {
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    /// The DNS suffix of the partition's service endpoints (for registry hosts).
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every region the wizard accepts, with its partition.
pub const KNOWN_REGIONS: &[(&str, Partition)] = &[
    ("af-south-1", Partition::Aws),
    ("ap-east-1", Partition::Aws),
    ("ap-east-2", Partition::Aws),
    ("ap-northeast-1", Partition::Aws),
    ("ap-northeast-2", Partition::Aws),
    ("ap-northeast-3", Partition::Aws),
    ("ap-south-1", Partition::Aws),
    ("ap-south-2", Partition::Aws),
    ("ap-southeast-1", Partition::Aws),
    ("ap-southeast-2", Partition::Aws),
    ("ap-southeast-3", Partition::Aws),
    ("ap-southeast-4", Partition::Aws),
    ("ap-southeast-5", Partition::Aws),
    ("ap-southeast-7", Partition::Aws),
    ("ca-central-1", Partition::Aws),
    ("ca-west-1", Partition::Aws),
    ("eu-central-1", Partition::Aws),
    ("eu-central-2", Partition::Aws),
    ("eu-north-1", Partition::Aws),
    ("eu-south-1", Partition::Aws),
    ("eu-south-2", Partition::Aws),
    ("eu-west-1", Partition::Aws),
    ("eu-west-2", Partition::Aws),
    ("eu-west-3", Partition::Aws),
    ("il-central-1", Partition::Aws),
    ("me-central-1", Partition::Aws),
    ("me-south-1", Partition::Aws),
    ("mx-central-1", Partition::Aws),
    ("sa-east-1", Partition::Aws),
    ("us-east-1", Partition::Aws),
    ("us-east-2", Partition::Aws),
    ("us-west-1", Partition::Aws),
    ("us-west-2", Partition::Aws),
    ("cn-north-1", Partition::AwsCn),
    ("cn-northwest-1", Partition::AwsCn),
    ("us-gov-east-1", Partition::AwsUsGov),
    ("us-gov-west-1", Partition::AwsUsGov),
];

/// Production curated-packages registry accounts by region, from the EKS Anywhere
/// source (`pkg/curatedpackages/registry_constants.go`, 32 regions as of its August
/// 2025 change). Regions missing here have no curated-packages registry.
pub const CURATED_PACKAGES_REGISTRIES: &[(&str, &str)] = &[
    ("af-south-1", "783635962247"),
    ("ap-east-1", "804323328300"),
    ("ap-northeast-1", "143143237519"),
    ("ap-northeast-2", "447311122189"),
    ("ap-northeast-3", "376465423944"),
    ("ap-south-1", "357015164304"),
    ("ap-south-2", "388483641499"),
    ("ap-southeast-1", "654894141437"),
    ("ap-southeast-2", "299286866837"),
    ("ap-southeast-3", "703305448174"),
    ("ap-southeast-4", "106475008004"),
    ("ap-southeast-5", "396913739932"),
    ("ap-southeast-7", "141666480881"),
    ("ca-central-1", "064352486547"),
    ("ca-west-1", "571600859530"),
    ("eu-central-1", "364992945014"),
    ("eu-central-2", "551422459769"),
    ("eu-north-1", "826441621985"),
    ("eu-south-1", "787863792200"),
    ("eu-south-2", "127214161500"),
    ("eu-west-1", "090204409458"),
    ("eu-west-2", "371148654473"),
    ("eu-west-3", "282646289008"),
    ("il-central-1", "131750224677"),
    ("me-central-1", "454241080883"),
    ("me-south-1", "158698011868"),
    ("mx-central-1", "295916874491"),
    ("sa-east-1", "517745584577"),
    ("us-east-1", "331113665574"),
    ("us-east-2", "297090588151"),
    ("us-west-1", "440460740297"),
    ("us-west-2", "346438352937"),
];

/// The partition of a known region.
pub fn partition_of(region: &str) -> Option<Partition> {
    KNOWN_REGIONS
        .iter()
        .find(|(name, _)| *name == region)
        .map(|(_, partition)| *partition)
}

/// The production curated-packages registry account for a region, if it has one.
pub fn curated_packages_registry(region: &str) -> Option<&'static str> {
    CURATED_PACKAGES_REGISTRIES
        .iter()
        .find(|(name, _)| *name == region)
        .map(|(_, account)| *account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_region_is_a_known_commercial_region() {
        for (region, account) in CURATED_PACKAGES_REGISTRIES {
            assert_eq!(partition_of(region), Some(Partition::Aws), "{region}");
            assert_eq!(account.len(), 12, "{region}");
        }
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition_of("cn-north-1"), Some(Partition::AwsCn));
        assert_eq!(partition_of("us-gov-west-1"), Some(Partition::AwsUsGov));
        assert_eq!(partition_of("us-west-2"), Some(Partition::Aws));
        assert_eq!(partition_of("mars-1"), None);
    }

    #[test]
    fn the_table_has_exactly_the_32_regions_eks_anywhere_serves() {
        const EKS_ANYWHERE: &str = "af-south-1 783635962247, ap-east-1 804323328300, \
            ap-northeast-1 143143237519, ap-northeast-2 447311122189, \
            ap-northeast-3 376465423944, ap-south-1 357015164304, ap-south-2 388483641499, \
            ap-southeast-1 654894141437, ap-southeast-2 299286866837, \
            ap-southeast-3 703305448174, ap-southeast-4 106475008004, \
            ap-southeast-5 396913739932, ap-southeast-7 141666480881, \
            ca-central-1 064352486547, ca-west-1 571600859530, eu-central-1 364992945014, \
            eu-central-2 551422459769, eu-north-1 826441621985, eu-south-1 787863792200, \
            eu-south-2 127214161500, eu-west-1 090204409458, eu-west-2 371148654473, \
            eu-west-3 282646289008, il-central-1 131750224677, me-central-1 454241080883, \
            me-south-1 158698011868, mx-central-1 295916874491, sa-east-1 517745584577, \
            us-east-1 331113665574, us-east-2 297090588151, us-west-1 440460740297, \
            us-west-2 346438352937";
        let expected: Vec<(&str, &str)> = EKS_ANYWHERE
            .split(", ")
            .map(|pair| pair.split_once(' ').unwrap())
            .collect();
        assert_eq!(expected.len(), 32);
        assert_eq!(CURATED_PACKAGES_REGISTRIES, expected.as_slice());
        for region in ["ca-west-1", "mx-central-1", "ap-southeast-5"] {
            assert!(curated_packages_registry(region).is_some(), "{region}");
        }
    }

    #[test]
    fn the_documented_us_west_2_registry() {
        assert_eq!(curated_packages_registry("us-west-2"), Some("346438352937"));
        assert_eq!(curated_packages_registry("cn-north-1"), None);
    }
}
