//! Model helper for the later phases: work spread over the cores, results in input order.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f` of every item, on one worker per core (the calling thread is one), items taken in
/// the order of `order` (indices into `items`; the longest jobs first keeps the longest
/// from running alone at the end); results in the order of `items`.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    order: &[usize],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let work = || {
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let r = f(&items[i]);
            done.lock().expect("no worker panics holding it")[i] = Some(r);
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 1..cores.min(order.len()) {
            s.spawn(work);
        }
        work();
    });
    let done = done.into_inner().expect("every worker has finished");
    done.into_iter()
        .map(|r| r.expect("every item was done"))
        .collect()
}

/// `f` of every item on one worker per core, results in the order of `items`.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let order: Vec<usize> = (0..items.len()).collect();
    map_in_order(items, &order, f)
}
