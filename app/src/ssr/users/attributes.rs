//! A user's attributes as authentik's `user.group_attributes()` gives them (what attribute
//! claims read): the attributes of their groups and of those groups' ancestors, in group name
//! order, merged one over the other, then the user's own over them all.
use serde_json::{Map, Value};

/// Merges `over` into `base` as authentik's `always_merger` (deepmerge) does: objects merge
/// key by key, arrays are appended, anything else is replaced by `over`'s value.
pub fn merge_into(base: &mut Map<String, Value>, over: Map<String, Value>) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(b)), Value::Object(o)) => merge_into(b, o),
            (Some(Value::Array(b)), Value::Array(o)) => b.extend(o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// `groups` (their attributes, in group name order) merged in turn, then `user` over them.
/// Values that are not objects add nothing.
pub fn merged(groups: impl IntoIterator<Item = Value>, user: Value) -> Map<String, Value> {
    let mut out = Map::new();
    for attributes in groups.into_iter().chain([user]) {
        if let Value::Object(m) = attributes {
            merge_into(&mut out, m);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_user_wins_over_groups_and_later_groups_over_earlier() {
        let got = merged(
            [
                json!({ "department": "Sales", "location": "Berlin", "level": 1 }),
                json!({ "location": "Paris", "floor": 3 }),
            ],
            json!({ "department": "R&D" }),
        );
        assert_eq!(
            Value::Object(got),
            json!({ "department": "R&D", "location": "Paris", "level": 1, "floor": 3 })
        );
    }

    #[test]
    fn objects_merge_deeply_and_arrays_append_as_deepmerge_does() {
        let got = merged(
            [
                json!({ "tags": ["a"], "ldap": { "ou": "x", "uid": 1 }, "mixed": [1] }),
                json!({ "tags": ["b"], "ldap": { "ou": "y" }, "mixed": { "k": 1 } }),
            ],
            json!({ "tags": ["c"], "ldap": { "home": "/h" }, "gone": null }),
        );
        assert_eq!(
            Value::Object(got),
            json!({
                "tags": ["a", "b", "c"],
                "ldap": { "ou": "y", "uid": 1, "home": "/h" },
                "mixed": { "k": 1 },
                "gone": null,
            })
        );
    }

    #[test]
    fn non_objects_add_nothing() {
        assert!(merged([json!([1]), json!("x"), Value::Null], json!(7)).is_empty());
    }
}
