//! Interned strings for the few low-cardinality consent-log values the
//! ledger keeps (sources, purposes): a four-byte symbol instead of a string
//! per event.

use std::collections::HashMap;

use rayon::prelude::*;

use super::source::{ClassifySource, SourceClass};

/// An interned string. Symbols are only ever resolved back to text; they
/// never decide an order, so their numbering does not affect output.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Symbol(u32);

impl Symbol {
    /// The empty string.
    pub const EMPTY: Symbol = Symbol(0);

    pub fn is_empty(self) -> bool {
        self == Symbol::EMPTY
    }

    pub(crate) fn from_index(index: u32) -> Symbol {
        Symbol(index)
    }

    /// Position in [`Symbols::iter`] order.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Debug)]
pub struct Symbols {
    ids: HashMap<Box<str>, Symbol, foldhash::fast::RandomState>,
    strings: Vec<Box<str>>,
    /// Per symbol, whether some event has it as its source: only those are
    /// classified (purposes and details never are).
    is_source: Vec<bool>,
    /// Per symbol, what it says as a source, once classified.
    classes: Vec<SourceClass>,
}

impl Default for Symbols {
    fn default() -> Self {
        Symbols {
            ids: HashMap::default(),
            strings: vec![Box::from("")],
            is_source: vec![false],
            classes: Vec::new(),
        }
    }
}

impl Symbols {
    /// The symbol of `text` after trimming; empty text is [`Symbol::EMPTY`].
    pub fn intern(&mut self, text: &str) -> Symbol {
        let text = text.trim();
        if text.is_empty() {
            return Symbol::EMPTY;
        }
        if let Some(&symbol) = self.ids.get(text) {
            return symbol;
        }
        let symbol = Symbol(u32::try_from(self.strings.len()).unwrap_or(u32::MAX));
        self.strings.push(Box::from(text));
        self.is_source.push(false);
        self.ids.insert(Box::from(text), symbol);
        symbol
    }

    /// [`intern`](Self::intern) for an event's source.
    pub fn intern_source(&mut self, text: &str) -> Symbol {
        let symbol = self.intern(text);
        if let Some(marked) = self.is_source.get_mut(symbol.index()) {
            *marked |= !symbol.is_empty();
        }
        symbol
    }

    /// Whether some event has the symbol as its source.
    pub fn is_source(&self, symbol: Symbol) -> bool {
        self.is_source.get(symbol.index()).copied().unwrap_or(false)
    }

    /// Classifies every source, once per run and in parallel: a log can
    /// hold millions of distinct sources (a campaign id in each).
    pub fn classify_sources(&mut self, sources: &dyn ClassifySource) {
        self.classes = self
            .strings
            .par_iter()
            .zip(self.is_source.par_iter())
            .map(|(text, &is_source)| match is_source {
                true => sources.classify_source(text),
                false => SourceClass::Empty,
            })
            .collect();
    }

    /// What an interned source says about how consent was collected
    /// (`Empty` for a symbol no event has as its source, or before
    /// [`classify_sources`](Self::classify_sources)).
    pub fn source_class(&self, symbol: Symbol) -> SourceClass {
        self.classes
            .get(symbol.index())
            .copied()
            .unwrap_or(SourceClass::Empty)
    }

    pub fn resolve(&self, symbol: Symbol) -> &str {
        self.strings.get(symbol.0 as usize).map_or("", |s| s)
    }

    /// Every symbol with its text, in numbering order.
    pub fn iter(&self) -> impl Iterator<Item = (Symbol, &str)> {
        self.strings
            .iter()
            .enumerate()
            .map(|(i, s)| (Symbol(i as u32), &**s))
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.len() <= 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_trimmed_text_once() {
        let mut symbols = Symbols::default();
        let a = symbols.intern("web_form");
        assert_eq!(symbols.intern(" web_form "), a);
        assert_ne!(symbols.intern("checkout"), a);
        assert_eq!(symbols.intern("   "), Symbol::EMPTY);
        assert_eq!(symbols.resolve(a), "web_form");
        assert_eq!(symbols.resolve(Symbol::EMPTY), "");
        assert_eq!(symbols.len(), 3);
        let source = symbols.intern_source("checkout");
        assert!(symbols.is_source(source) && !symbols.is_source(a));
        let blank = symbols.intern_source(" ");
        assert!(!symbols.is_source(blank));
    }
}
