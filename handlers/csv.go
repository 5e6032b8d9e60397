package handlers

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/blocks"
)

// csvFailed is what a reply says when its list could not be sent.
const csvFailed = "The whole list could not be sent as a file; narrow the request to see the rest."

// sendCSV uploads a list to the caller's direct message with the app (or,
// for a public request, to the channel) and says where it went. A file
// the channel does not take (a direct message between people, a channel
// oktabot is not in) goes to the caller's direct message instead.
func (b *Bot) sendCSV(ctx context.Context, log zerolog.Logger, inv invocation, name string, content []byte, public bool) string {
	return b.sendCSVFrom(ctx, log, inv, name, bytes.NewReader(content), int64(len(content)), public)
}

// sendCSVFrom is sendCSV for content of size bytes read from r (from its
// start, for each attempt).
func (b *Bot) sendCSVFrom(ctx context.Context, log zerolog.Logger, inv invocation, name string, r io.ReadSeeker, size int64, public bool) string {
	if !b.eng.Proceed(ctx) {
		return "" // a redelivered command's work sends nothing
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	instead := ""
	if public && inv.channel != "" {
		err := b.uploadCSV(ctx, inv.channel, name, r, size)
		if err == nil {
			return fmt.Sprintf("The whole list is in `%s`, sent in this channel.", name)
		}
		log.Warn().Err(withoutURLPath(err)).Msg("could not share the CSV file in the channel; sending it by direct message")
		instead = fmt.Sprintf(", as oktabot cannot share files in %s", conversationRef(inv.channel))
	}
	ch, _, _, err := b.cfg.Slack.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{inv.caller}})
	if err != nil {
		log.Error().Err(err).Msg("could not open a direct message for the CSV file")
		return csvFailed
	}
	if err := b.uploadCSV(ctx, ch.ID, name, r, size); err != nil {
		log.Error().Err(withoutURLPath(err)).Msg("could not upload the CSV file")
		return csvFailed
	}
	return fmt.Sprintf("The whole list is in `%s`, sent to you in a direct message%s.", name, instead)
}

// uploadCSV uploads r from its start, streamed: files.getUploadURLExternal
// (told the size), the upload itself, files.completeUploadExternal.
func (b *Bot) uploadCSV(ctx context.Context, channel, name string, r io.ReadSeeker, size int64) error {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := b.cfg.Slack.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: name, Title: name, Reader: r, FileSize: int(size), Channel: channel,
		SnippetType: "csv",
	})
	return err
}

// csvSpool takes a user listing page by page (actions.Env.UserPages) and,
// from its second page on, writes it as CSV to a temporary file (0600,
// removed by close), so that a listing too long for a message is sent to
// Slack from disk and never held whole. A listing of one page stays in
// its result. A file that cannot be written is given up, not the listing.
type csvSpool struct {
	log   zerolog.Logger
	first []actions.User // the first page, until a second comes
	f     *os.File
	w     *bufio.Writer
	csv   *blocks.UsersCSV
	err   error
}

func (s *csvSpool) take(page []actions.User) error {
	switch {
	case s.err != nil:
		return nil
	case s.f == nil && s.first == nil:
		s.first = page
		return nil
	case s.f == nil:
		f, err := os.CreateTemp("", "oktabot-*.csv")
		if err != nil {
			s.fail(err)
			return nil
		}
		s.f, s.w = f, bufio.NewWriter(f)
		s.csv = blocks.NewUsersCSV(s.w)
		first := s.first
		s.first = nil
		if err := s.csv.Write(first); err != nil {
			s.fail(err)
			return nil
		}
	}
	if err := s.csv.Write(page); err != nil {
		s.fail(err)
	}
	return nil
}

func (s *csvSpool) fail(err error) {
	s.err = err
	s.log.Error().Err(err).Msg("could not write a long listing to a temporary file; it is not sent as a file")
}

// content is the spooled CSV, ready to be read from its start, and its
// size; spooled is false when nothing was spooled (the listing fit in one
// page, or it was no listing).
func (s *csvSpool) content() (r io.ReadSeeker, size int64, spooled bool, err error) {
	if s == nil || (s.f == nil && s.err == nil) {
		return nil, 0, false, nil
	}
	if s.err != nil {
		return nil, 0, true, s.err
	}
	if err := s.csv.Flush(); err != nil {
		return nil, 0, true, err
	}
	if err := s.w.Flush(); err != nil {
		return nil, 0, true, err
	}
	fi, err := s.f.Stat()
	if err != nil {
		return nil, 0, true, err
	}
	return s.f, fi.Size(), true, nil
}

// close removes the file, if any; a nil spool has none.
func (s *csvSpool) close() {
	if s != nil && s.f != nil {
		name := s.f.Name()
		err := errors.Join(s.f.Close(), os.Remove(name))
		if err != nil {
			s.log.Error().Err(err).Msg("could not remove a listing's temporary file")
		}
		s.f = nil
	}
}
