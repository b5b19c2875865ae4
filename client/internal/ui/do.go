package ui

import "fyne.io/fyne/v2"

// do hands work from a goroutine to the UI thread: the one bridge to widgets. Tests swap it
// for a queue they drain on the test goroutine, because Fyne's test driver runs fyne.Do at
// once on the calling goroutine and so would race with the test.
var do = fyne.Do
