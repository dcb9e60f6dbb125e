// Package script is the small shell language of meshtwin's scenarios and
// transcripts: it splits a script into commands (quoting, continuations,
// pipelines, heredocs, a leading `!`), reads a transcript (`$ command`
// lines and the output each must print), compares what a command printed
// with what a transcript expects (a `*` for any word, a unified diff when
// they differ), and runs grep on a pipe. It runs no other command: the
// shell package dispatches each command to kubectl, the console and the
// rest.
package script
