package table

// DuplicateName returns a column name b holds twice (the first such
// column in schema order) and true, or "" and false when every name is
// unique. AddColumn keeps names unique, so this is a check against a
// Column.Name changed afterwards. A batch with its name index answers from
// it: when every column's name maps to that column's own position no two
// names can be equal, one look-up per column and no allocation (validating
// a first write of 200,000 columns built two sets of that size, one here
// and one in the writer); otherwise, or without an index, names are
// compared through a set (a scan under indexFrom columns).
func (b *Batch) DuplicateName() (string, bool) {
	if b.index != nil && len(b.index) == len(b.cols) {
		consistent := true
		for i, c := range b.cols {
			if j, ok := b.index[c.Name]; !ok || j != i {
				consistent = false
				break
			}
		}
		if consistent {
			return "", false
		}
	}
	if len(b.cols) < indexFrom {
		for i, c := range b.cols {
			for _, d := range b.cols[:i] {
				if d.Name == c.Name {
					return c.Name, true
				}
			}
		}
		return "", false
	}
	seen := make(map[string]struct{}, len(b.cols))
	for _, c := range b.cols {
		if _, dup := seen[c.Name]; dup {
			return c.Name, true
		}
		seen[c.Name] = struct{}{}
	}
	return "", false
}
