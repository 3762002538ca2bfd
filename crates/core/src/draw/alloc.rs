//! Counts and their allocation to strata (SPEC.md §6).

/// Largest-remainder apportionment of `total` over `parts` (weight, name),
/// requiring `total ≤ Σ weight` (so no part gets more than its weight).
///
/// Each part gets `floor(total·w / W)`; the `total − Σ floor` remaining
/// units go one each to the parts with the largest remainder
/// `total·w mod W`, ties broken by larger weight, then by name in
/// ascending bytewise order.
pub(crate) fn largest_remainder(total: u64, parts: &[(u64, &str)]) -> Vec<u64> {
    let w_sum: u128 = parts.iter().map(|p| u128::from(p.0)).sum();
    if total == 0 || w_sum == 0 {
        return vec![0; parts.len()];
    }
    debug_assert!(u128::from(total) <= w_sum);
    let t = u128::from(total);
    let mut out: Vec<u64> = Vec::with_capacity(parts.len());
    let mut rems: Vec<(u128, usize)> = Vec::with_capacity(parts.len());
    let mut given: u64 = 0;
    for (i, (w, _)) in parts.iter().enumerate() {
        let p = t * u128::from(*w);
        let f = (p / w_sum) as u64;
        out.push(f);
        given += f;
        rems.push((p % w_sum, i));
    }
    rems.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(parts[b.1].0.cmp(&parts[a.1].0))
            .then(parts[a.1].1.as_bytes().cmp(parts[b.1].1.as_bytes()))
    });
    for (_, i) in rems.iter().take((total - given) as usize) {
        out[*i] += 1;
    }
    out
}

/// Targets per ratio group (SPEC.md §6.2): `counts[g] = ceil(r_g·N_g)`,
/// `bases[g] = N_g`, the adjusted task total `total`.
pub(crate) fn group_targets(total: u64, counts: &[u64], bases: &[u64], names: &[&str]) -> Vec<u64> {
    let t0: u64 = counts.iter().sum();
    if total == t0 {
        counts.to_vec()
    } else if total < t0 {
        let parts: Vec<(u64, &str)> = counts.iter().copied().zip(names.iter().copied()).collect();
        largest_remainder(total, &parts)
    } else {
        let parts: Vec<(u64, &str)> = bases
            .iter()
            .zip(counts)
            .map(|(b, c)| b - c)
            .zip(names.iter().copied())
            .collect();
        let extra = largest_remainder(total - t0, &parts);
        counts.iter().zip(extra).map(|(c, e)| c + e).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_ties() {
        // 10 over 3 equal parts: remainders tie, weights tie, names decide
        let v = largest_remainder(10, &[(5, "b"), (5, "a"), (5, "c")]);
        assert_eq!(v, vec![3, 4, 3]);
        let v = largest_remainder(7, &[(10, "x"), (3, "y"), (1, "z")]);
        assert_eq!(v.iter().sum::<u64>(), 7);
        assert_eq!(v, vec![5, 2, 0]);
        assert_eq!(largest_remainder(0, &[(3, "a")]), vec![0]);
        assert_eq!(largest_remainder(4, &[(4, "a"), (0, "b")]), vec![4, 0]);
    }

    #[test]
    fn group_targets_adjust() {
        assert_eq!(group_targets(5, &[2, 3], &[10, 10], &["", "C"]), vec![2, 3]);
        assert_eq!(group_targets(3, &[2, 4], &[10, 10], &["", "C"]), vec![1, 2]);
        assert_eq!(group_targets(10, &[2, 3], &[10, 3], &["", "C"]), vec![7, 3]);
    }
}
