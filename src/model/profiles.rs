//! Profiles: people who are interchangeable for selection.
//!
//! Two people with the same value in every category and no household tie
//! are symmetric: any panel stays feasible when one replaces the other, and
//! the LEXIMIN (and NASH) probability vector gives them equal chances. So the
//! optimising algorithms work with profiles and their sizes instead of
//! people. Everyone in a household is a profile of their own (size 1), and
//! the household rule becomes "at most one of these profiles per household".

use std::collections::BTreeMap;

use crate::model::instance::Instance;

/// One profile: its members (ascending person indices) and their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub members: Vec<usize>,
    /// Per category, the value index.
    pub values: Vec<usize>,
}

impl Profile {
    pub fn size(&self) -> usize {
        self.members.len()
    }
}

/// The pool as profiles, in order of their first member.
#[derive(Debug, Clone)]
pub struct Profiles {
    pub profiles: Vec<Profile>,
    /// Per person, their profile.
    pub of_person: Vec<usize>,
    /// Household groups as profile indices (each profile is one person).
    pub households: Vec<Vec<usize>>,
}

impl Profiles {
    /// Per-person values from per-profile ones (the one conversion from
    /// profile probabilities to each person's).
    pub fn per_person(&self, of_profile: &[f64]) -> Vec<f64> {
        self.of_person.iter().map(|&t| of_profile[t]).collect()
    }

    pub fn new(instance: &Instance) -> Profiles {
        let people = &instance.pool.people;
        let mut by_values: BTreeMap<&[usize], usize> = BTreeMap::new();
        let mut profiles: Vec<Profile> = Vec::new();
        let mut of_person = vec![0; people.len()];
        for (i, p) in people.iter().enumerate() {
            let index = if instance.households.group_of[i].is_some() {
                None
            } else {
                by_values.get(p.values.as_slice()).copied()
            };
            let t = match index {
                Some(t) => t,
                None => {
                    profiles.push(Profile {
                        members: Vec::new(),
                        values: p.values.clone(),
                    });
                    let t = profiles.len() - 1;
                    if instance.households.group_of[i].is_none() {
                        by_values.insert(p.values.as_slice(), t);
                    }
                    t
                }
            };
            profiles[t].members.push(i);
            of_person[i] = t;
        }
        let households = instance
            .households
            .groups
            .iter()
            .map(|g| g.iter().map(|&i| of_person[i]).collect())
            .collect();
        Profiles {
            profiles,
            of_person,
            households,
        }
    }

    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}
