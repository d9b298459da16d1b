//! List parameters and the paginated answer, as authentik's API gives them.
use super::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// `page` is 1-based; `ordering` is a field name, `-` in front for descending.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A page number within the paginated result set (from 1).
    pub page: Option<String>,
    /// Number of results to return per page (1 to 1000).
    pub page_size: Option<String>,
    /// A search term.
    pub search: Option<String>,
    /// Which field to use when ordering the results; prefix with `-` for descending.
    pub ordering: Option<String>,
}

/// A checked page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    pub size: u32,
}

impl PageRequest {
    pub fn offset(self) -> usize {
        (self.page as usize - 1) * self.size as usize
    }
}

impl ListParams {
    /// Page and size from the query; text, zero or an out-of-range size is a field error.
    pub fn page(&self) -> ApiResult<PageRequest> {
        let number = |raw: &Option<String>, default: u32, field: &str, max: u32| match raw
            .as_deref()
            .map(str::trim)
        {
            None | Some("") => Ok(default),
            Some(text) => match text.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::field(
                    field,
                    format!("Enter a whole number from 1 to {max}."),
                )),
            },
        };
        Ok(PageRequest {
            page: number(&self.page, 1, "page", 1_000_000)?,
            size: number(
                &self.page_size,
                DEFAULT_PAGE_SIZE,
                "page_size",
                MAX_PAGE_SIZE,
            )?,
        })
    }

    pub fn search(&self) -> &str {
        self.search.as_deref().unwrap_or("").trim()
    }

    /// The ordering field (one of `allowed`) and whether it is descending; none = `default`.
    pub fn ordering<'a>(
        &'a self,
        allowed: &[&'a str],
        default: &'a str,
    ) -> ApiResult<(&'a str, bool)> {
        let raw = self.ordering.as_deref().map(str::trim).unwrap_or("");
        if raw.is_empty() {
            return Ok((default, false));
        }
        let (field, descending) = match raw.strip_prefix('-') {
            Some(f) => (f, true),
            None => (raw, false),
        };
        if allowed.contains(&field) {
            Ok((field, descending))
        } else {
            Err(ApiError::field(
                "ordering",
                format!("Order by one of: {}.", allowed.join(", ")),
            ))
        }
    }
}

/// Sorts rows held in memory by the text `key` gives, reversed when descending.
pub fn sort_by_text<T>(rows: &mut [T], descending: bool, key: impl Fn(&T) -> String) {
    rows.sort_by_cached_key(|r| key(r));
    if descending {
        rows.reverse();
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    /// The next page number, 0 when this is the last.
    pub next: u64,
    /// The previous page number, 0 when this is the first.
    pub previous: u64,
    pub count: u64,
    pub current: u64,
    pub total_pages: u64,
    pub start_index: u64,
    pub end_index: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T: ToSchema> {
    pub pagination: Pagination,
    pub results: Vec<T>,
}

impl<T: ToSchema> Paginated<T> {
    /// One page of `count` results. A page past the end is 404, as authentik answers.
    pub fn new(req: PageRequest, count: u64, results: Vec<T>) -> ApiResult<Self> {
        let size = u64::from(req.size);
        let total_pages = count.div_ceil(size).max(1);
        let current = u64::from(req.page);
        if current > total_pages {
            return Err(ApiError::NotFound);
        }
        let start_index = if count == 0 {
            0
        } else {
            (current - 1) * size + 1
        };
        let end_index = if count == 0 {
            0
        } else {
            start_index + results.len() as u64 - 1
        };
        Ok(Self {
            pagination: Pagination {
                next: if current < total_pages {
                    current + 1
                } else {
                    0
                },
                previous: current - 1,
                count,
                current,
                total_pages,
                start_index,
                end_index,
            },
            results,
        })
    }

    /// Pages a list held in memory (small tables: groups, tokens).
    pub fn of_all(req: PageRequest, mut all: Vec<T>) -> ApiResult<Self> {
        let count = all.len() as u64;
        let start = req.offset().min(all.len());
        let mut page: Vec<T> = all.drain(start..).collect();
        page.truncate(req.size as usize);
        Self::new(req, count, page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(page: &str, size: &str) -> ListParams {
        ListParams {
            page: Some(page.into()),
            page_size: Some(size.into()),
            ..Default::default()
        }
    }

    #[test]
    fn pages_are_checked() {
        assert_eq!(
            params("2", "10").page().ok(),
            Some(PageRequest { page: 2, size: 10 })
        );
        assert!(params("0", "10").page().is_err());
        assert!(params("x", "10").page().is_err());
        assert!(params("1", "1001").page().is_err());
    }

    #[test]
    fn indexes_follow_authentik() {
        let req = PageRequest { page: 2, size: 2 };
        let page = Paginated::<String>::of_all(req, vec!["a".into(), "b".into(), "c".into()])
            .expect("page");
        assert_eq!(page.results, vec!["c".to_string()]);
        let p = &page.pagination;
        assert_eq!((p.count, p.current, p.total_pages), (3, 2, 2));
        assert_eq!(
            (p.next, p.previous, p.start_index, p.end_index),
            (0, 1, 3, 3)
        );
        let empty =
            Paginated::<String>::of_all(PageRequest { page: 1, size: 5 }, vec![]).expect("empty");
        assert_eq!(empty.pagination.total_pages, 1);
        assert!(Paginated::<String>::of_all(PageRequest { page: 3, size: 2 }, vec![]).is_err());
    }

    proptest::proptest! {
        /// Any query values: a page in range and an allowed ordering, or a field error.
        #[test]
        fn list_params_never_panic(
            page in proptest::option::of(proptest::prelude::any::<String>()),
            size in proptest::option::of("[ +-]?[0-9]{0,12}"),
            ordering in proptest::option::of("-{0,2}(name|slug|x|é|)"),
            count in 0u64..5000,
        ) {
            let p = ListParams { page, page_size: size, search: None, ordering };
            if let Ok(req) = p.page() {
                proptest::prop_assert!(req.page >= 1 && (1..=MAX_PAGE_SIZE).contains(&req.size));
                let _ = Paginated::<String>::new(req, count, Vec::new());
            }
            if let Ok((field, _)) = p.ordering(&["name", "slug"], "name") {
                proptest::prop_assert!(field == "name" || field == "slug");
            }
        }
    }
}
