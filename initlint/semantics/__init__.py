"""The semantics stage: one file's abstract interpretation over LibCST trees.

`file.analyze(source, path, loader=None)` builds the `FileModel` and `ModuleSummary` of one
file. `values`: the abstract values; `imports`: names as the file's imports resolve them;
`interpret*`: the interpreter (`Context`), split into constructors, forward and calls;
`inits`: how classes initialise their layers; `file`: the file as a whole."""
