//! Documents kept for automatic persisted queries (Apollo's APQ): a client sends a document's
//! SHA-256 instead of the document. Only authenticated callers add documents, and the store is
//! bounded in bytes (least recently used first out), so nobody can fill memory with documents.
//! Documents are kept as text, never parsed: a hit is parsed like any other request.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

/// The per-instance store of persisted documents.
pub struct PersistedQueries {
    max_bytes: usize,
    max_document: usize,
    inner: Mutex<Store>,
}

#[derive(Default)]
struct Store {
    /// Hash → (document, last use).
    documents: HashMap<String, (Arc<str>, u64)>,
    /// Last use → hash, oldest first.
    by_use: BTreeMap<u64, String>,
    bytes: usize,
    clock: u64,
}

impl PersistedQueries {
    /// A store of at most `max_bytes` (hashes and documents), keeping documents of at most
    /// `max_document` bytes.
    pub fn new(max_bytes: usize, max_document: usize) -> Self {
        Self {
            max_bytes,
            max_document,
            inner: Mutex::default(),
        }
    }

    /// The document with SHA-256 `hash` (lower-case hex), if kept.
    pub fn get(&self, hash: &str) -> Option<Arc<str>> {
        let mut store = self.inner.lock().ok()?;
        store.clock += 1;
        let now = store.clock;
        let (document, used) = store.documents.get_mut(hash)?;
        let (document, before) = (document.clone(), std::mem::replace(used, now));
        store.by_use.remove(&before);
        store.by_use.insert(now, hash.to_owned());
        Some(document)
    }

    /// Keeps `document` under `hash`, evicting the least recently used ones to stay in bounds.
    /// The caller checked that `hash` is the document's SHA-256.
    pub fn put(&self, hash: &str, document: &str) {
        let size = hash.len() + document.len();
        if document.len() > self.max_document || size > self.max_bytes {
            return;
        }
        let Ok(mut store) = self.inner.lock() else {
            return;
        };
        if store.documents.contains_key(hash) {
            return;
        }
        while store.bytes + size > self.max_bytes {
            let Some((_, oldest)) = store.by_use.pop_first() else {
                break;
            };
            if let Some((gone, _)) = store.documents.remove(&oldest) {
                store.bytes -= oldest.len() + gone.len();
            }
        }
        store.clock += 1;
        let now = store.clock;
        store
            .documents
            .insert(hash.to_owned(), (Arc::from(document), now));
        store.by_use.insert(now, hash.to_owned());
        store.bytes += size;
    }

    /// Bytes kept now.
    pub fn bytes(&self) -> usize {
        self.inner.lock().map(|s| s.bytes).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_stays_within_its_bytes_and_drops_the_least_recently_used() {
        let store = PersistedQueries::new(100, 40);
        store.put("a", &"x".repeat(39));
        store.put("b", &"y".repeat(39));
        assert!(store.get("a").is_some(), "a is now the most recently used");
        store.put("c", &"z".repeat(39));
        assert!(store.bytes() <= 100);
        assert!(store.get("b").is_none(), "b was the least recently used");
        assert!(store.get("a").is_some() && store.get("c").is_some());
        store.put("big", &"w".repeat(41));
        assert!(
            store.get("big").is_none(),
            "documents over the size limit are not kept"
        );
    }
}
