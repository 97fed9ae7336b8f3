"""The syntax stage: source text to LibCST trees (`parse`), positions of reported nodes
(`positions`), walking trees and reading small nodes (`nodes`). No metadata providers: names
are resolved by the semantics stage from the file's own imports, and positions are computed
only for the nodes that are reported."""
