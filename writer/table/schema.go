package table

// Schema describes a table for row-oriented callers: build it once, then
// create batches from it and add rows with Batch.AddRow.
type Schema struct {
	Table   string
	Columns []ColumnSchema
	Hints   Hints
}

// ColumnSchema is one column of a Schema.
type ColumnSchema struct {
	Name             string
	Type             DataType
	Semantic         SemanticType
	Options          map[string]string
	Precision, Scale int32
	VectorDim        uint32
}

// NewSchema starts a schema for table name.
func NewSchema(name string) *Schema { return &Schema{Table: name} }

// Tag adds a tag (primary-key) column.
func (s *Schema) Tag(name string, t DataType) *Schema {
	s.Columns = append(s.Columns, ColumnSchema{Name: name, Type: t, Semantic: Tag})
	return s
}

// Field adds a field column.
func (s *Schema) Field(name string, t DataType) *Schema {
	s.Columns = append(s.Columns, ColumnSchema{Name: name, Type: t, Semantic: Field})
	return s
}

// Timestamp adds the time-index column; t must be a TIMESTAMP_* type.
func (s *Schema) Timestamp(name string, t DataType) *Schema {
	s.Columns = append(s.Columns, ColumnSchema{Name: name, Type: t, Semantic: Timestamp})
	return s
}

// Decimal adds a DECIMAL128 field with the given precision and scale.
func (s *Schema) Decimal(name string, precision, scale int32) *Schema {
	s.Columns = append(s.Columns, ColumnSchema{Name: name, Type: Decimal128, Semantic: Field, Precision: precision, Scale: scale})
	return s
}

// JSON adds a JSON field (GreptimeDB's legacy JSONB column; values are JSON text).
func (s *Schema) JSON(name string) *Schema {
	s.Columns = append(s.Columns, ColumnSchema{Name: name, Type: JSON, Semantic: Field})
	return s
}

// Vector adds a VECTOR field of dim dimensions.
func (s *Schema) Vector(name string, dim uint32) *Schema {
	s.Columns = append(s.Columns, ColumnSchema{Name: name, Type: Vector, Semantic: Field, VectorDim: dim})
	return s
}

// WithOptions sets column options on the most recently added column.
func (s *Schema) WithOptions(opts map[string]string) *Schema {
	if n := len(s.Columns); n > 0 {
		s.Columns[n-1].Options = opts
	}
	return s
}

// WithHint sets a table-option hint.
func (s *Schema) WithHint(key, value string) *Schema {
	s.Hints.Set(key, value)
	return s
}

// NewBatch returns an empty batch with the schema's columns, for database.
func (s *Schema) NewBatch(database string) *Batch {
	b := New(database, s.Table)
	b.Hints = append(Hints(nil), s.Hints...)
	for _, cs := range s.Columns {
		c := b.MustColumn(cs.Name, cs.Type, cs.Semantic)
		c.Options = cs.Options
		c.Precision, c.Scale, c.VectorDim = cs.Precision, cs.Scale, cs.VectorDim
	}
	return b
}
