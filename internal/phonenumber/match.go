package phonenumber

import (
	"encoding/binary"
	"regexp/syntax"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// This file matches the metadata's regular expressions without package
// regexp. Number patterns and leading digits are regular expressions over
// the ten ASCII digits (TestMetadataGen checks it), and validation only
// asks whether a whole national number matches, or whether some prefix of
// it does: a DFA answers both in one pass, so each pattern is compiled on
// first use (regexp/syntax) into a DFA whose states are built as inputs
// reach them. The international and national prefixes need more: where a
// match ends and what its groups captured, with Go's leftmost-first
// semantics, and ^ and $. They are short, so a backtracking matcher over
// the compiled program does (like package regexp's own backtracker).

// dfa is a lazily built deterministic automaton over the digits '0'-'9'
// for one pattern. A state is the set of program counters of the rune
// instructions that the automaton may be at, after following empty
// transitions. States and transitions are built on first use under mu and
// read without locking; a dfa is safe for concurrent use.
type dfa struct {
	prog       *syntax.Prog
	digits     []uint16 // per instruction: bit d set when it is a rune instruction matching '0'+d
	startMatch bool     // the pattern matches the empty string

	// table holds the transitions, 10 per state: 0 when not built yet,
	// otherwise (1 + next state) << 1, | 1 when the next state matches.
	// It is replaced by a larger copy as states are added.
	table atomic.Pointer[[]atomic.Int32]

	mu    sync.Mutex // guards the fields below and state creation
	ids   map[string]int32
	sets  [][]uint32 // the instruction set of each state, sorted
	stack []uint32   // scratch for closure
	seen  []uint32   // scratch for closure: seen[pc] == mark when visited
	mark  uint32
}

const (
	// dfaMaxStates caps the states of one automaton; past it, inputs that
	// need a new state are matched by simulating the program instead. The
	// complete automata of the metadata have at most a few hundred states.
	dfaMaxStates = 4096
	// dfaDead is the state without instructions, where matching stops.
	dfaDead = 0
	// dfaStart is the state before the first digit.
	dfaStart = 1
	// dfaOverflow is returned by build when a new state would pass
	// dfaMaxStates.
	dfaOverflow = -1
)

// newDFA compiles pattern. It fails for patterns that are not regular
// expressions over digits without anchors.
func newDFA(pattern string) (*dfa, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, err
	}
	d := &dfa{prog: prog, digits: make([]uint16, len(prog.Inst)), ids: map[string]int32{}, seen: make([]uint32, len(prog.Inst))}
	for pc := range prog.Inst {
		inst := &prog.Inst[pc]
		switch inst.Op {
		case syntax.InstEmptyWidth:
			return nil, errAnchor
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			for c := range 10 {
				if inst.MatchRune(rune('0' + c)) {
					d.digits[pc] |= 1 << c
				}
			}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	table := make([]atomic.Int32, 16*10)
	d.table.Store(&table)
	d.addState(nil, false) // dfaDead
	for c := range 10 {
		table[c].Store((1 + dfaDead) << 1)
	}
	set, match := d.closure([]uint32{uint32(prog.Start)})
	d.addState(set, match) // dfaStart
	d.startMatch = match
	return d, nil
}

type dfaError string

func (e dfaError) Error() string { return string(e) }

const errAnchor = dfaError("phone: pattern has anchors")

// build computes, records and returns the transition from s on digit c,
// encoded as in table, or dfaOverflow.
func (d *dfa) build(s int32, c byte) int32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	table := *d.table.Load()
	if v := table[int(s)*10+int(c)].Load(); v != 0 {
		return v
	}
	var outs []uint32
	for _, pc := range d.sets[s] {
		if d.digits[pc]&(1<<c) != 0 {
			outs = append(outs, d.prog.Inst[pc].Out)
		}
	}
	set, match := d.closure(outs)
	t, ok := d.ids[setKey(set, match)]
	if !ok {
		if len(d.sets) == dfaMaxStates {
			return dfaOverflow
		}
		t = d.addState(set, match)
		table = *d.table.Load()
	}
	v := (1 + t) << 1
	if match {
		v |= 1
	}
	table[int(s)*10+int(c)].Store(v)
	return v
}

// addState adds a state for set, growing the table when full; d.mu is
// held.
func (d *dfa) addState(set []uint32, match bool) int32 {
	s := int32(len(d.sets))
	if table := *d.table.Load(); int(s+1)*10 > len(table) {
		bigger := make([]atomic.Int32, 2*len(table))
		for i := range table {
			bigger[i].Store(table[i].Load())
		}
		d.table.Store(&bigger)
	}
	d.sets = append(d.sets, set)
	d.ids[setKey(set, match)] = s
	return s
}

func setKey(set []uint32, match bool) string {
	b := make([]byte, 0, 1+4*len(set))
	if match {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	for _, pc := range set {
		b = binary.LittleEndian.AppendUint32(b, pc)
	}
	return string(b)
}

// closure returns the sorted rune instructions reachable from pcs through
// empty transitions, and whether a match instruction is; d.mu is held.
func (d *dfa) closure(pcs []uint32) ([]uint32, bool) {
	d.mark++
	var set []uint32
	match := false
	stack := append(d.stack[:0], pcs...)
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if d.seen[pc] == d.mark {
			continue
		}
		d.seen[pc] = d.mark
		inst := &d.prog.Inst[pc]
		switch inst.Op {
		case syntax.InstMatch:
			match = true
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, inst.Arg, inst.Out)
		case syntax.InstCapture, syntax.InstNop:
			stack = append(stack, inst.Out)
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			set = append(set, pc)
		}
	}
	d.stack = stack
	slices.Sort(set)
	return set, match
}

// next returns the transition from state s on digit c, encoded as in
// table, building it on first use (and then reloading *table, which may
// have grown), or dfaOverflow when the automaton has no room for a new
// state.
func (d *dfa) next(table *[]atomic.Int32, s int32, c byte) int32 {
	i := int(s)*10 + int(c)
	if i < len(*table) {
		if v := (*table)[i].Load(); v != 0 {
			return v
		}
	}
	v := d.build(s, c)
	if v != dfaOverflow {
		*table = *d.table.Load()
	}
	return v
}

// fullMatch reports whether the pattern matches all of b.
func (d *dfa) fullMatch(b []byte) bool {
	table := *d.table.Load()
	s, match := int32(dfaStart), d.startMatch
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return false
		}
		v := d.next(&table, s, c)
		if v == dfaOverflow {
			return d.simulate(b, false)
		}
		s, match = v>>1-1, v&1 != 0
		if s == dfaDead {
			return false
		}
	}
	return match
}

// prefixMatch reports whether the pattern matches a prefix of b.
func (d *dfa) prefixMatch(b []byte) bool {
	if d.startMatch {
		return true
	}
	table := *d.table.Load()
	s := int32(dfaStart)
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return false
		}
		v := d.next(&table, s, c)
		if v == dfaOverflow {
			return d.simulate(b, true)
		}
		if v&1 != 0 {
			return true
		}
		if s = v>>1 - 1; s == dfaDead {
			return false
		}
	}
	return false
}

// simulate is fullMatch or prefixMatch without building states, for
// automata that have too many.
func (d *dfa) simulate(b []byte, prefix bool) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	set, match := d.closure([]uint32{uint32(d.prog.Start)})
	for _, c := range b {
		if match && prefix {
			return true
		}
		c -= '0'
		if c > 9 {
			return false
		}
		var outs []uint32
		for _, pc := range set {
			if d.digits[pc]&(1<<c) != 0 {
				outs = append(outs, d.prog.Inst[pc].Out)
			}
		}
		set, match = d.closure(outs)
	}
	return match
}

// lazyDFA compiles a pattern into a dfa on first use.
type lazyDFA struct {
	once sync.Once
	d    *dfa
	re   *fallbackRegexp // when the pattern does not compile into a dfa
}

func (l *lazyDFA) get(pattern string) *lazyDFA {
	l.once.Do(func() {
		d, err := newDFA(pattern)
		if err != nil {
			l.re = newFallbackRegexp(pattern)
			return
		}
		l.d = d
	})
	return l
}

func (l *lazyDFA) fullMatch(b []byte) bool {
	if l.d == nil {
		return l.re.full.Match(slices.Clone(b)) // a copy, so that b does not escape
	}
	return l.d.fullMatch(b)
}

func (l *lazyDFA) prefixMatch(b []byte) bool {
	if l.d == nil {
		return l.re.prefix.Match(slices.Clone(b))
	}
	return l.d.prefixMatch(b)
}

// prefixProg matches a regular expression at the start of its input like
// package regexp would match ^(?:pattern): leftmost-first, with capture
// groups and the anchors ^ and $.
type prefixProg struct {
	prog   *syntax.Prog
	ncap   int    // capture slots, 2 per group including the whole match
	first  uint16 // digits that can start a match (bit d for '0'+d)
	empty  bool   // the pattern can match without consuming a digit (first does not apply)
	nonASC bool   // the pattern can consume a non-digit rune (first does not apply)
}

func newPrefixProg(pattern string) (*prefixProg, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, err
	}
	ncap := 2 * (re.MaxCap() + 1)
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, err
	}
	p := &prefixProg{prog: prog, ncap: ncap}
	// first: the rune instructions reachable from the start through empty
	// transitions (treating every anchor as passable).
	seen := make([]bool, len(prog.Inst))
	stack := []uint32{uint32(prog.Start)}
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[pc] {
			continue
		}
		seen[pc] = true
		inst := &prog.Inst[pc]
		switch inst.Op {
		case syntax.InstMatch:
			p.empty = true
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, inst.Arg, inst.Out)
		case syntax.InstCapture, syntax.InstNop, syntax.InstEmptyWidth:
			stack = append(stack, inst.Out)
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			for c := range 10 {
				if inst.MatchRune(rune('0' + c)) {
					p.first |= 1 << c
				}
			}
			for _, r := range []rune{0, 'a', 0x660, utf8.RuneError, utf8.MaxRune} {
				if inst.MatchRune(r) {
					p.nonASC = true
				}
			}
		}
	}
	return p, nil
}

// backtrackJob is a branch to resume (pc at pos) or, when restore is set,
// a capture slot to restore to pos.
type backtrackJob struct {
	pc      uint32
	restore bool
	pos     int
}

// match reports whether the pattern matches a prefix of b and, if so,
// fills caps (len p.ncap) like regexp.FindSubmatchIndex: caps[1] is where
// the match ends, -1 for groups that did not participate.
func (p *prefixProg) match(b []byte, caps []int) bool {
	if !p.empty && !p.nonASC {
		if len(b) == 0 || b[0] < '0' || b[0] > '9' || p.first&(1<<(b[0]-'0')) == 0 {
			return false
		}
	}
	for i := range caps {
		caps[i] = -1
	}
	caps[0] = 0
	width := len(b) + 1
	nbits := len(p.prog.Inst) * width
	var visitedBuf [32]uint64
	visited := visitedBuf[:]
	if n := (nbits + 63) / 64; n <= len(visitedBuf) {
		visited = visitedBuf[:n]
	} else {
		visited = make([]uint64, n)
	}
	var jobsBuf [32]backtrackJob
	jobs := append(jobsBuf[:0], backtrackJob{pc: uint32(p.prog.Start)})
	for len(jobs) > 0 {
		j := jobs[len(jobs)-1]
		jobs = jobs[:len(jobs)-1]
		if j.restore {
			caps[j.pc] = j.pos
			continue
		}
		pc, pos := j.pc, j.pos
	step:
		for {
			bit := int(pc)*width + pos
			if visited[bit/64]&(1<<(bit%64)) != 0 {
				break step
			}
			visited[bit/64] |= 1 << (bit % 64)
			inst := &p.prog.Inst[pc]
			switch inst.Op {
			case syntax.InstFail:
				break step
			case syntax.InstAlt, syntax.InstAltMatch:
				jobs = append(jobs, backtrackJob{pc: inst.Arg, pos: pos})
				pc = inst.Out
			case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
				if pos == len(b) {
					break step
				}
				r, w := rune(b[pos]), 1
				if r >= utf8.RuneSelf {
					r, w = utf8.DecodeRune(b[pos:])
				}
				if !inst.MatchRune(r) {
					break step
				}
				pos += w
				pc = inst.Out
			case syntax.InstCapture:
				if int(inst.Arg) < len(caps) {
					jobs = append(jobs, backtrackJob{pc: inst.Arg, restore: true, pos: caps[inst.Arg]})
					caps[inst.Arg] = pos
				}
				pc = inst.Out
			case syntax.InstEmptyWidth:
				before, after := rune(-1), rune(-1)
				if pos > 0 {
					before, _ = utf8.DecodeLastRune(b[:pos])
				}
				if pos < len(b) {
					after, _ = utf8.DecodeRune(b[pos:])
				}
				if syntax.EmptyOp(inst.Arg)&^syntax.EmptyOpContext(before, after) != 0 {
					break step
				}
				pc = inst.Out
			case syntax.InstNop:
				pc = inst.Out
			case syntax.InstMatch:
				caps[1] = pos
				return true
			}
		}
	}
	return false
}

// lazyProg compiles a prefix pattern on first use.
type lazyProg struct {
	once sync.Once
	p    *prefixProg
	err  error
}

func (l *lazyProg) get(pattern string) (*prefixProg, error) {
	l.once.Do(func() { l.p, l.err = newPrefixProg(pattern) })
	return l.p, l.err
}
